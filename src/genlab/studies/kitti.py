"""Study 3 — YOLOv5s on KITTI, from scratch vs transfer learning (report 004, part II).

The run: prepare the target data (KITTI converted from `data.root`, or synthetic
KITTI-format scenes written into the run folder), train every model listed in the study
file with ultralytics, evaluate each on the test split (ultralytics' validator, COCO
cross-check, official KITTI 2-D evaluation) and draw the figures. A model whose
`params.weights` is `model:NAME` starts from another model of the study: the shipped
study pretrains on synthetic scenes of another style, because no pretrained weights can
be downloaded offline; on a machine with internet `weights: yolov5su.pt` works too.
"""
from __future__ import annotations

from genlab import config as cfgmod
from genlab.config import StudyConfig
from genlab.detect.options import KittiSettings
from genlab.report.sources import BASTOS_2024
from genlab.runs import RunDir
from genlab.studies.base import StudyContext


class KittiStudy:
    kind = "kitti"
    source = BASTOS_2024.short  # the source report (genlab.report.sources)
    title = "Study 3 — YOLOv5s on KITTI: from scratch vs transfer learning"
    Settings = KittiSettings
    multi_gpu = True  # --device 0,1: ultralytics launches DDP over those GPUs
    headlines = (("eval:coco.map50_95", "test mAP@0.5:0.95"),)

    def sweep_floor(self, vary: dict, config: dict) -> None:
        """No floor is known under a detector's sweep."""

    def check_models(self, config: StudyConfig) -> None:
        """Its models are ultralytics' YOLO entries, checked with the rest in preflight."""

    def caveat(self, config: dict, metrics: dict) -> str:
        """'Synthetic scenes, not KITTI' where the run generated its data, as its own page says."""
        from genlab.detect import kitti_prose
        from genlab.detect.options import SECTION

        data = (metrics.get(SECTION) or {}).get("data")
        if not data or not data.get("synthetic"):
            return ""
        analysis = config.get("analysis") or {}
        return kitti_prose.synthetic_caveat(data, analysis.get("reported_source") if analysis.get("reported") else None)

    def settings(self, config: StudyConfig) -> KittiSettings:
        return cfgmod.typed_options(KittiSettings, config.analysis, "analysis")

    def run(self, ctx: StudyContext) -> None:
        from genlab.detect import experiment

        settings = ctx.options or self.settings(ctx.config)
        experiment.run(ctx.config, ctx.run, settings, device=ctx.runtime.device, resume=ctx.runtime.resume)

    def preflight(self, config: StudyConfig) -> None:
        """Every check that needs no training (settings, every train key honoured or refused,
        data root), for a runner to call before it creates the run folder."""
        from genlab.detect import experiment

        experiment.validate(config, self.settings(config))

    def sections(self, run: RunDir, config: StudyConfig):
        from genlab.detect import kitti_report

        return kitti_report.sections(run, config, self.settings(config))


STUDY = KittiStudy()

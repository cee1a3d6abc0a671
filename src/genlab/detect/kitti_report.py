"""The KITTI study's report sections, built from the run folder alone."""
from __future__ import annotations

import json

from genlab.config import StudyConfig
from genlab.detect import kitti_eval, kitti_prose, yolo
from genlab.detect.options import ROLES, SECTION, KittiSettings, role
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Conclusion, Figure, Section, Table, Text, quantity
from genlab.runs import RunDir

METRICS = (("precision", "Precision"), ("recall", "Recall"), ("map50", "mAP@0.5"), ("map50_95", "mAP@0.5:0.95"))


def sections(run: RunDir, config: StudyConfig, settings: KittiSettings) -> list[Section]:
    results = run.read_metrics().get(SECTION)
    if not results:
        return [Section("Study 3 — no results", [Text("This run folder holds no KITTI results yet (interrupted "
                                                       "before any model finished?). Rerun with --resume.", note=True)])]
    evals = _evals(run, config)
    return [_what_was_run(results, config, settings),
            _comparison(results, evals, config, settings),
            _cross_check(evals, config),
            _kitti(run, results, evals, config),
            _curves(settings), _times(results, config)]


def _evals(run: RunDir, config: StudyConfig) -> dict[str, dict]:
    out = {}
    for spec in config.models:
        path = run.model(spec.name).path / "eval" / "metrics.json"
        if path.is_file():
            out[spec.name] = json.loads(path.read_text())
    return out


def _what_was_run(results: dict, config: StudyConfig, settings: KittiSettings) -> Section:
    models = results.get("models", {})
    lines = kitti_prose.data_lines(results["data"], config, settings)
    for name, summary in models.items():
        lines.append(kitti_prose.model_line(name, summary))
        if summary.get("weights_model") in models:
            lines[-1] += f" Its pretraining's time is counted below ({models[summary['weights_model']].get('title')})."
    lines.append(kitti_prose.detector_line(models))
    return Section("Study 3 — what was run", [Text("\n\n".join(lines))])


def _comparison(results: dict, evals: dict[str, dict], config: StudyConfig, settings: KittiSettings) -> Section:
    header, cols = ["Metric"], []
    for r in ROLES + (None,):
        if r in settings.reported:
            header.append(f"reported {r}")
            cols.append(settings.reported[r])
        for name, e in evals.items():
            if role(config.model(name)) == r:
                header.append(f"ours: {config.model(name).title}")
                cols.append(e["ultralytics"])
    rows = [[label] + [c.get(key) for c in cols] for key, label in METRICS]
    blocks: list = [Table(header, rows, caption="Test-set detection metrics (ultralytics' validator: P and R at the "
                                                "confidence of best F1, mAP over all confidences)",
                          kinds=[None] + ["score"] * len(cols))]
    verdict = kitti_prose.verdict(results, evals, config, settings)
    best = [best_sentence(label, {config.model(n).title: e["ultralytics"][key] for n, e in evals.items()}, "score", False)
            for key, label in METRICS]
    if evals:
        blocks.append(Conclusion(" ".join([verdict, *best, one_seed(config.study)]).strip()))
    title = f"Results beside {settings.reported_source}" if settings.reported else "Test-set results"
    return Section(title, blocks)


def _cross_check(evals: dict[str, dict], config: StudyConfig) -> Section:
    rows = []
    for name, e in evals.items():
        u, c, d = e["ultralytics"], e["coco"], e["coco_minus_ultralytics"]
        mid = e.get("ultralytics_formula_on_export", {})
        rows.append([config.model(name).title, u["map50"], c["map50"], d["map50"],
                     u["map50_95"], mid.get("map50_95"), c["map50_95"], d["map50_95"]])
    table = Table(["Model", "mAP@0.5 validator", "mAP@0.5 COCO", "diff", "mAP@0.5:0.95 validator",
                   "mAP@0.5:0.95 ultralytics formula on exported boxes", "mAP@0.5:0.95 COCO", "diff (COCO - validator)"],
                  rows, caption="ultralytics' validator vs its exported predictions re-scored with faster-coco-eval",
                  kinds=[None] + ["score"] * 7)
    worst = max((abs(e["coco_minus_ultralytics"]["map50_95"]) for e in evals.values()), default=0.0)
    text = ("The COCO columns score the validator's own exported predictions (predictions.json: confidence >= "
            f"{yolo.VAL_CONF}, up to {yolo.VAL_MAX_DET} per image, boxes in original image pixels) against ground "
            "truth rebuilt from the label files. "
            f"Largest |diff| of mAP@0.5:0.95: {quantity(worst, 'score')}" + (" — within 0.02." if worst <= 0.02 else " — above 0.02."))
    text += ("\n\nWhere the difference comes from: the middle column applies ultralytics' own matching and AP formula "
             "(ap_per_class) to the exported boxes. Validator → middle column is the boxes: the validator scores "
             "predictions in its letterboxed input space, not clipped to the image, while the exported boxes are scaled "
             "back and clipped to the image, which raises the IoU of objects cut by the image border. Middle "
             "column → COCO is the formula: ultralytics integrates a linearly interpolated PR envelope, COCO averages "
             "the envelope at 101 recall points.")
    return Section("COCO-style cross-check", [table, Text(text)])


def _kitti(run: RunDir, results: dict, evals: dict[str, dict], config: StudyConfig) -> Section:
    blocks = []
    for cls in results["data"]["classes"]:
        rows = []
        for name, e in evals.items():
            k = e["kitti"].get(cls)
            if k:
                rows.append([config.model(name).title] + [k["ap_r40"][d] for d in ("easy", "moderate", "hard")]
                            + [k["n_gt"][d] for d in ("easy", "moderate", "hard")])
        if not rows:
            continue
        iou = next(iter(evals.values()))["kitti"][cls]["min_iou"]
        blocks.append(Table(["Model", "Easy AP", "Moderate AP", "Hard AP", "# Easy", "# Moderate", "# Hard"], rows,
                            caption=f"Official KITTI 2-D evaluation, {cls}, IoU > {iou}, AP over 40 recall positions",
                            kinds=[None, "score", "score", "score", None, None, None]))
        blocks.append(Figure(f"figures/kitti_ap_{cls.lower()}.png", f"KITTI AP (R40) per difficulty, {cls}"))
    blocks.append(Text(_difficulties()))
    return Section("KITTI official evaluation (Easy / Moderate / Hard)", blocks)


def _difficulties() -> str:
    h, occ, trunc = kitti_eval.MIN_HEIGHT, kitti_eval.MAX_OCCLUSION, kitti_eval.MAX_TRUNCATION
    levels = "; ".join(f"{d.capitalize()} = box height > {h[i]} px, occlusion <= {occ[i]}, truncation <= {trunc[i]}"
                       for i, d in enumerate(kitti_eval.DIFFICULTIES))
    neighbours = ", ".join(f"{n} for {c}" for c, n in kitti_eval.NEIGHBOUR.items())
    return (f"Difficulties as the KITTI devkit: {levels} (each includes the easier ones; occlusion 0 = fully visible, "
            f"1 = partly, 2 = largely occluded). DontCare regions and the neighbouring class ({neighbours}) are "
            "ignored; detections lower than the minimum height are ignored. AP is in [0, 1] (the leaderboard shows "
            "x100).\n\nKITTI AP can exceed COCO mAP@0.5 although its IoU threshold is stricter: COCO counts every "
            "labelled object, including the tiny, heavily occluded and truncated ones that KITTI ignores. With few "
            "objects per difficulty the 40 recall positions are coarse, so Easy can come out below Moderate.")


def _curves(settings: KittiSettings) -> Section:
    return Section("Curves and predictions", [
        Figure("figures/kitti_training_curves.png", "Losses per epoch (from ultralytics' results.csv)"),
        Figure("figures/kitti_metric_curves.png", "Precision, recall, mAP@0.5 and mAP@0.5:0.95 on the test split after "
                                                  "every epoch (the source report's Fig. 11; from ultralytics' results.csv)"),
        Figure("figures/kitti_pr_curves.png", "Precision-recall curves at IoU 0.5 on the test split (COCO-style)"),
        Figure("figures/kitti_predictions.png", f"{settings.draw_images} test images: ground truth dashed green, "
                                                      f"detections with score >= {settings.draw_conf} red (score shown)"),
    ])


def _times(results: dict, config: StudyConfig) -> Section:
    rows, total = [], 0.0
    for name, s in results.get("models", {}).items():
        total += s.get("wall_s", 0) + s.get("eval_wall_s", 0)
        rows.append([s.get("title", name), s.get("epochs"), s.get("train_images"), s.get("wall_s"), s.get("eval_wall_s"),
                     s.get("device")])
    rows.append(["total (training + evaluation)", None, None, total, None, None])
    rows.append(["data preparation (synthesis / conversion)", None, None, results.get("data_wall_s"), None, None])
    rows.append(["whole study, incl. figures" + (" (this resumed part)" if results.get("resumed") else ""),
                 None, None, results.get("study_wall_s"), None, None])
    return Section("Wall time", [Table(["Model", "Epochs", "Train images", "Training s", "Evaluation s", "Device"], rows,
                                       caption="Wall-clock seconds of each phase",
                                       kinds=[None, None, None, "seconds", "seconds", None])])

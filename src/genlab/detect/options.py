"""The KITTI study's settings: the `analysis:` options, each model's `params:`, and the
numbers of report 004 (part II) that the report is compared with."""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab import config as cfgmod
from genlab.config import ModelSpec
from genlab.errors import GenlabError

REPORTED = {  # report 004, table 6
    "transfer": {"precision": 0.8, "recall": 0.6, "map50": 0.55, "map50_95": 0.3},
    "scratch": {"precision": 0.6, "recall": 0.4, "map50": 0.5, "map50_95": 0.25},
}
SECTION = "kitti"


@dataclass
class Options:
    """The study file's `analysis:` mapping."""

    classes: list[str] = field(default_factory=lambda: ["Car"])  # the report's Car-only copy
    split: float = 0.8
    synth_n: int = 100  # synthetic target scenes when no data.root is given
    synth_pretrain_n: int = 160  # synthetic scenes (other style) for models with params.data: pretrain
    synth_size: str = "640x194"  # KITTI's aspect ratio, half its resolution: fast on a CPU
    target_style: str = "day"
    pretrain_style: str = "dusk"
    draw_images: int = 3  # test images drawn with predictions
    draw_conf: float = 0.25


@dataclass
class YoloParams:
    """A model's `params:` mapping."""

    weights: str | None = None  # null = from scratch; a .pt path / ultralytics name; or model:NAME
    cfg: str = "yolov5s.yaml"
    data: str = "target"  # target | pretrain (the synthetic pretraining set)
    imgsz: int = 320
    optimizer: str = "AdamW"
    rect: bool = True  # wide letterboxed batches (KITTI is ~3.3:1): ~2.5x less compute than square mosaics
    mosaic: float = 1.0  # only used with rect: false
    close_mosaic: int = 0
    warmup_epochs: float = 1.0
    val_every_epoch: bool = True  # validation each epoch gives the mAP training curve (costs time)
    workers: int = 0

    def __post_init__(self) -> None:
        if self.data not in ("target", "pretrain"):
            raise GenlabError(f"params.data must be 'target' or 'pretrain', got {self.data!r}")
        if self.imgsz < 32 or self.imgsz % 32:
            raise GenlabError(f"params.imgsz must be a multiple of 32 (>= 32), got {self.imgsz}")


def model_params(spec: ModelSpec) -> YoloParams:
    if spec.model != "yolo":
        raise GenlabError(f"models.{spec.name}.model must be 'yolo' in the kitti study, got {spec.model!r}")
    return cfgmod.typed_options(YoloParams, spec.params, f"models.{spec.name}.params")

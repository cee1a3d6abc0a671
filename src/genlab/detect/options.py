"""The KITTI study's settings: the `analysis:` mapping (with the source report's numbers
under `reported:`) and each model's `params:`."""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab import config as cfgmod
from genlab.config import ModelSpec
from genlab.errors import GenlabError

SECTION = "kitti"
ROLES = ("transfer", "scratch")  # the report's two columns; a model's role is what it starts from
METRIC_KEYS = ("precision", "recall", "map50", "map50_95")


@dataclass
class KittiSettings:
    """The study file's `analysis:` mapping."""

    classes: list[str] = field(default_factory=lambda: ["Car"])
    split: float = 0.8  # training fraction of the seeded train/test split
    synth_n: int = 100  # synthetic target scenes when no data.root is given
    synth_pretrain_n: int = 160  # synthetic scenes (other style) for models with params.data: pretrain
    synth_size: str = "640x194"  # KITTI's aspect ratio, half its resolution: fast on a CPU
    target_style: str = "day"
    pretrain_style: str = "dusk"
    draw_images: int = 3  # test images drawn with predictions
    draw_conf: float = 0.25
    # the source report's test metrics, role (transfer | scratch) → {precision, recall, map50, map50_95}
    reported: dict = field(default_factory=dict)
    reported_source: str = "the report"  # how the report's sentences name where `reported` comes from

    def __post_init__(self) -> None:
        for role, values in self.reported.items():
            if role not in ROLES or not isinstance(values, dict) or set(values) - set(METRIC_KEYS):
                raise GenlabError(f"analysis.reported.{role}: expected one of {', '.join(ROLES)} mapping to some of "
                                  f"{', '.join(METRIC_KEYS)}, got {values!r}")


@dataclass
class YoloParams:
    """A model's `params:` mapping (its optimiser, lr, epochs and batch are under `train:`)."""

    weights: str | None = None  # null = from scratch; a .pt path / ultralytics name; or model:NAME
    cfg: str = "yolov5s.yaml"
    data: str = "target"  # target | pretrain (the synthetic pretraining set)
    imgsz: int = 320
    rect: bool = True  # wide letterboxed batches (KITTI is ~3.3:1): ~2.5x less compute than square mosaics
    mosaic: float = 1.0  # only used with rect: false
    close_mosaic: int = 0
    warmup_epochs: float = 1.0
    nominal_batch: int = 64  # ultralytics' nbs: gradients are summed over round(nbs / batch) batches per step
    val_every_epoch: bool = True  # validation each epoch gives the mAP training curve (costs time)
    workers: int = 0

    def __post_init__(self) -> None:
        if self.data not in ("target", "pretrain"):
            raise GenlabError(f"params.data must be 'target' or 'pretrain', got {self.data!r}")
        if self.imgsz < 32 or self.imgsz % 32:
            raise GenlabError(f"params.imgsz must be a multiple of 32 (>= 32), got {self.imgsz}")
        if self.nominal_batch < 1:
            raise GenlabError(f"params.nominal_batch must be >= 1, got {self.nominal_batch}")


def model_params(spec: ModelSpec) -> YoloParams:
    if spec.model != "yolo":
        raise GenlabError(f"models.{spec.name}.model must be 'yolo' in the kitti study, got {spec.model!r}")
    if "optimizer" in spec.params:  # one key decides: the train section's, shared with every study
        raise GenlabError(f"models.{spec.name}.params.optimizer is not a kitti setting; set "
                          "train.optimizer (adam, adamw or sgd) instead")
    return cfgmod.typed_options(YoloParams, spec.params, f"models.{spec.name}.params")


def role(spec: ModelSpec) -> str | None:
    """transfer (starts from weights), scratch (random init); None for a pretraining model.
    Read from the raw params so that a report of an older run folder still builds."""
    if spec.params.get("data", "target") == "pretrain":
        return None
    return "scratch" if spec.params.get("weights") is None else "transfer"

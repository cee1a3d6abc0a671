"""Thin wrapper around ultralytics (AGPL-3.0, the optional `genlab[detect]` extra).

`prepare_env` must run before the first `import ultralytics`: ultralytics reads its
settings directory and offline switches at import time. We keep its settings in a
genlab-owned folder, never auto-install packages, and stay offline unless a weight
*name* (not a file) must be downloaded. Plots are off: ultralytics' plotting fetches a
font from the internet; genlab draws its own figures from results.csv instead.
"""
from __future__ import annotations

import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from genlab.errors import GenlabError

SCRATCH_CFG = "yolov5s.yaml"
VAL_CONF = 0.001  # the test evaluation keeps detections down to this confidence (mAP needs the tail)
VAL_MAX_DET = 300  # at most this many per image


def config_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "genlab" / "ultralytics"
    return base


def prepare_env(offline: bool = True) -> None:
    if "ultralytics" in sys.modules:
        return  # too late to change what it read at import; the first call's choice stands
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir()))
    Path(os.environ["YOLO_CONFIG_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_AUTOINSTALL"] = "0"
    if offline:
        os.environ["YOLO_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_VERBOSE", "False")


def import_yolo(offline: bool = True):
    prepare_env(offline)
    try:
        from ultralytics import YOLO
    except ImportError as exc:
        raise GenlabError(f"detection needs the optional extra: pip install 'genlab[detect]' ({exc})") from None
    return YOLO


def resolve_device(device: str) -> str:
    """What ultralytics is given: cpu, one GPU ("0"), or several ("0,1": ultralytics launches
    its own DDP workers, one per GPU)."""
    import torch

    from genlab.engine.device import gpu_list, select_device

    if gpu_list(device) is not None:
        select_device(device)  # enough GPUs visible, or one line
        return device
    if device == "cuda" and not torch.cuda.is_available():
        raise GenlabError("--device cuda was asked for but no CUDA GPU is visible; use --device auto or cpu")
    if device == "cpu" or (device == "auto" and not torch.cuda.is_available()):
        return "cpu"
    return "0"


@dataclass
class TrainArgs:
    data: Path  # dataset YAML
    project: Path  # folder that receives ultralytics' run folder
    hyper: dict  # epochs, batch, imgsz, optimizer, lr0, ... (detect.train_recipe.ultralytics_args)
    device: str = "auto"
    weights: str | None = None  # checkpoint path / ultralytics name; None = from scratch
    cfg: str = SCRATCH_CFG
    tensorboard: bool = False  # ultralytics' TensorBoard logger (event files in its run folder)


def load_model(cfg: str, weights: str | None):
    """A model built from `cfg` (scratch) or from a checkpoint (transfer)."""
    is_file = weights is not None and Path(weights).is_file()
    YOLO = import_yolo(offline=weights is None or is_file)
    if weights is None:
        return YOLO(cfg)
    if not is_file and not weights.endswith(".pt"):
        raise GenlabError(f"weights {weights!r} is not a file; pass a checkpoint path (.pt) or an ultralytics name such as yolov5su.pt")
    try:
        return YOLO(weights)
    except Exception as exc:  # noqa: BLE001 - ultralytics raises many kinds for a missing/unreachable file
        raise GenlabError(f"cannot load weights {weights!r} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                          "pass an existing checkpoint path — downloads need internet") from None


def train(args: TrainArgs) -> dict:
    """Train; return where ultralytics wrote its outputs and the wall time."""
    model = load_model(args.cfg, args.weights)
    device = resolve_device(args.device)
    from ultralytics.utils import SETTINGS

    if SETTINGS.get("tensorboard") != args.tensorboard:  # read when the trainer adds its loggers
        SETTINGS.update(tensorboard=args.tensorboard)
    start = time.perf_counter()
    with warnings.catch_warnings():  # TensorBoard's graph export traces the model: torch.jit deprecation noise
        warnings.filterwarnings("ignore", module=r"torch\.jit")
        model.train(data=str(args.data), project=str(Path(args.project).resolve()), name="ultralytics", exist_ok=True,
                    device=device, amp=device != "cpu", pretrained=args.weights is not None, **args.hyper)
    wall = time.perf_counter() - start
    out = Path(args.project) / "ultralytics"
    return {"save_dir": str(out), "last": str(out / "weights" / "last.pt"), "best": str(out / "weights" / "best.pt"),
            "wall_s": wall, "device": device}


def validate(weights: Path, data: Path, imgsz: int, batch: int, device: str, out: Path) -> dict:
    """ultralytics' validator on the test split; writes predictions.json (COCO format,
    boxes in original image pixels) into `out` for the cross-checks."""
    YOLO = import_yolo()
    model = YOLO(str(weights))
    metrics = model.val(data=str(data), split="test", imgsz=imgsz, batch=batch, device=resolve_device(device),
                        save_json=True, plots=False, verbose=False, project=str(Path(out).resolve().parent),
                        name=Path(out).name, exist_ok=True, conf=VAL_CONF, iou=0.7, max_det=VAL_MAX_DET)
    box = metrics.box
    return {"precision": float(box.mp), "recall": float(box.mr), "map50": float(box.map50), "map50_95": float(box.map),
            "predictions": str(Path(metrics.save_dir) / "predictions.json"), "names": dict(model.names)}

"""From a model's `train:` and `params:` to the arguments genlab hands ultralytics.

Every key of `config.TrainConfig` is either passed on here or refused by `check_train`
before the run folder exists: ultralytics runs its own loop, so genlab-trainer keys
(steps per optimiser, checkpoint count, evaluation batch) have nothing to act on, and
a value the user changed must not be dropped silently. "Changed" means different from
`TrainConfig()`'s default, the only way to tell a set key from an inherited one.
"""
from __future__ import annotations

from genlab.config import LINEAR_END, ModelSpec, TrainConfig
from genlab.detect.options import YoloParams
from genlab.errors import GenlabError

ULTRALYTICS_OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}
ADAM_BETA2 = 0.999  # ultralytics builds Adam/AdamW with betas=(momentum, 0.999): the second beta is fixed
NOT_USED = {  # key → why the kitti study cannot use it
    "steps": "ultralytics takes one optimiser step per (accumulated) batch",
    "eval_batch_size": "the test evaluation uses ultralytics' validator at its own batch",
    "keep_checkpoints": "ultralytics keeps last.pt only (genlab removes its best.pt: the last epoch is reported)",
    "step": "ultralytics runs its own update step",
}


def check_train(spec: ModelSpec) -> None:
    """Refuse, with one line, a train key the kitti study would otherwise ignore."""
    train, default = spec.train, TrainConfig()
    for key, why in NOT_USED.items():
        if getattr(train, key) != getattr(default, key):
            raise GenlabError(f"train.{key} (model {spec.name!r}) is not used by the kitti study ({why}); remove it")
    if train.schedule == "onecycle":
        raise GenlabError(f"train.schedule=onecycle (model {spec.name!r}) is not available in the kitti study "
                          "(ultralytics has no one-cycle schedule); use constant, linear or cosine")
    if train.optimizer == "sgd":
        if train.betas != default.betas:
            raise GenlabError(f"train.betas (model {spec.name!r}) is for adam/adamw; with train.optimizer=sgd the "
                              "kitti study uses train.momentum; remove train.betas (or --set train.betas=[0.9,0.999])")
        return
    if train.momentum != default.momentum:
        raise GenlabError(f"train.momentum (model {spec.name!r}) is for sgd; with train.optimizer={train.optimizer} "
                          "the kitti study passes train.betas[0] to ultralytics; remove train.momentum")
    if train.betas[1] != ADAM_BETA2:
        raise GenlabError(f"train.betas[1]={train.betas[1]} (model {spec.name!r}) cannot be set in the kitti study: "
                          f"ultralytics fixes Adam's second beta at {ADAM_BETA2}; change only train.betas[0]")


def ultralytics_args(spec: ModelSpec, params: YoloParams, seed: int) -> dict:
    """The training arguments of one model, as passed to `YOLO.train` (without paths and device)."""
    check_train(spec)
    train = spec.train
    adam_type = train.optimizer != "sgd"
    return {
        "epochs": train.epochs, "batch": train.batch_size, "imgsz": params.imgsz,
        "optimizer": ULTRALYTICS_OPTIMIZERS[train.optimizer], "lr0": train.lr,
        # ultralytics' `momentum` is Adam's first beta for Adam-type optimisers
        "momentum": train.betas[0] if adam_type else train.momentum,
        "weight_decay": train.weight_decay,
        # ultralytics' schedule runs from lr0 to lr0 * lrf, linearly or on a cosine
        "cos_lr": train.schedule == "cosine", "lrf": {"constant": 1.0, "linear": LINEAR_END}.get(train.schedule, 0.0),
        "warmup_epochs": params.warmup_epochs, "nbs": params.nominal_batch,
        "rect": params.rect, "mosaic": params.mosaic, "close_mosaic": params.close_mosaic,
        "val": params.val_every_epoch, "workers": params.workers, "seed": seed, "deterministic": True,
        "patience": train.epochs + 1,  # never stop early: equal epochs for every model
        "cache": True, "plots": False, "verbose": False,
    }


def accumulation(batch: int, nominal_batch: int, train_images: int, epochs: int) -> int:
    """How many batches ultralytics sums per optimiser step after warmup (never more
    than the whole training has)."""
    return min(max(round(nominal_batch / batch), 1), -(-train_images // batch) * epochs)

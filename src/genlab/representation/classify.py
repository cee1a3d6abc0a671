"""Train and test a classifier head on frozen features (report 004, section 2.4).

The encoder is frozen and held in eval mode, so it is a fixed function of the image:
its features are computed once per split and the head is trained on them through the
one trainer (checkpoints, resume, metrics.jsonl, progress). That is exactly what running
the encoder at every step would compute (no augmentation is used), for a fraction of
the time. The head kept is the one of the epoch with the best validation accuracy
(KeepBest on the validation split); the test split is used once, at the end.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from genlab import atomic
from genlab.config import OPTIMIZERS, TrainConfig
from genlab.data.splits import Features
from genlab.engine import checkpoint
from genlab.engine.callbacks import KeepBest
from genlab.engine.trainer import TrainData, TrainerOptions, train
from genlab.errors import GenlabError
from genlab.representation.measures import classification_metrics
from genlab.methods.classifier import ClassifierHead
from genlab.runs import ModelDir

MONITOR = "val.accuracy"


@dataclass
class HeadConfig:
    """The MLP head and how it is trained (the study file's `analysis.frozen_classifiers.head`)."""

    hidden: list[int] = field(default_factory=lambda: [512])
    dropout: float = 0.2
    epochs: int = 20
    batch_size: int = 256
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        checks = [
            (all(w >= 1 for w in self.hidden), f"analysis.frozen_classifiers.head.hidden must list widths >= 1, got {self.hidden}"),
            (0 <= self.dropout < 1, f"analysis.frozen_classifiers.head.dropout must be in [0, 1), got {self.dropout}"),
            (self.epochs >= 1, f"analysis.frozen_classifiers.head.epochs must be >= 1, got {self.epochs}"),
            (self.batch_size >= 1, f"analysis.frozen_classifiers.head.batch_size must be >= 1, got {self.batch_size}"),
            (self.optimizer in OPTIMIZERS,
             f"analysis.frozen_classifiers.head.optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"),
            (0 < self.lr < 10, f"analysis.frozen_classifiers.head.lr must be in (0, 10), got {self.lr}"),
            (self.weight_decay >= 0, f"analysis.frozen_classifiers.head.weight_decay must be >= 0, got {self.weight_decay}"),
        ]
        for ok, message in checks:
            if not ok:
                raise GenlabError(message)

    def train_config(self) -> TrainConfig:
        """The one trainer's settings for a head (no TensorBoard: the curves are in the report)."""
        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, optimizer=self.optimizer, lr=self.lr,
                           weight_decay=self.weight_decay, eval_batch_size=4096, keep_checkpoints=1,
                           tensorboard=False)


def train_head(head: ClassifierHead, data: dict[str, Features], cfg: HeadConfig, model_dir: ModelDir, seed: int,
               options: TrainerOptions, name: str = "classifier", keep_checkpoints: bool = False) -> dict:
    """Train `head` on data["train"], keep its best epoch by validation accuracy, score it
    once on data["test"]; returns (and writes) the summary. A finished head is read back."""
    keep = KeepBest(monitor=MONITOR, mode="max")
    if options.resume and model_dir.is_done() and "best" in model_dir.read_summary():
        head.load_state_dict(torch.load(model_dir.final, map_location="cpu", weights_only=True)["state_dict"])
        return model_dir.read_summary()
    head.standardize_with(data["train"].x)
    summary = train(head, TrainData(data["train"], data["val"], data["test"]), cfg.train_config(), model_dir,
                    seed, options, (keep,), name=name)
    predicted = predict(head, data["test"])
    summary.update({"best": keep.best(model_dir), "layers": head.describe(),
                    "test_metrics": classification_metrics(data["test"].y.numpy(), predicted.numpy(),
                                                           head.mlp[-1].out_features),
                    "n_train": len(data["train"]), "n_val": len(data["val"]), "n_test": len(data["test"])})
    atomic.write_json(model_dir.summary, summary)  # "best" marks it finished for a resume
    if not keep_checkpoints:  # final.pt and best.pt hold what is used; epoch checkpoints were for resuming
        checkpoint.remove_all(model_dir.checkpoints)
    return summary


@torch.no_grad()
def predict(head: ClassifierHead, data: Features, batch_size: int = 4096) -> torch.Tensor:
    """Predicted class of every row: N."""
    head.eval()
    x = data.x.to(head.feature_mean.device)
    return torch.cat([head.logits(x[i:i + batch_size]).argmax(1).cpu() for i in range(0, len(data), batch_size)])


OPTIMIZER_NAMES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}


def describe_optimizer(cfg) -> str:
    """'Adam, learning rate 0.001' (+ momentum, weight decay, schedule when they apply),
    from a TrainConfig or HeadConfig: the report never writes these as literals."""
    text = f"{OPTIMIZER_NAMES.get(cfg.optimizer, cfg.optimizer)}, learning rate {cfg.lr:g}"
    if cfg.optimizer == "sgd" and getattr(cfg, "momentum", 0):
        text += f", momentum {cfg.momentum:g}"
    if cfg.weight_decay:
        text += f", weight decay {cfg.weight_decay:g}"
    schedule = getattr(cfg, "schedule", "constant")
    if schedule != "constant":
        text += f", {schedule} schedule"
    return text

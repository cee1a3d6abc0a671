"""Train and test a frozen-encoder classifier's head (report 004, section 2.4).

The encoder is frozen and held in eval mode, so it is a fixed function of the image:
its features are computed once per split and the head is trained on them. That is
exactly what running the encoder at every step would compute (no augmentation is
used), for a fraction of the time. The head kept is the one of the epoch with the best
validation accuracy (early stopping on the validation split; the test split is used once).
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import torch

from genlab import atomic
from genlab.evaluation.metrics import classification_metrics
from genlab.evaluation.probes import Features
from genlab.methods.classifier import FrozenEncoderClassifier
from genlab.runs import ModelDir


@dataclass
class HeadConfig:
    """The MLP head and how it is trained (the study file's `analysis.head`)."""

    hidden: list[int] = field(default_factory=lambda: [512])
    dropout: float = 0.2
    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0


def train_classifier(clf: FrozenEncoderClassifier, train: Features, val: Features, test: Features,
                     cfg: HeadConfig, seed: int, out: ModelDir) -> dict:
    """Train `clf`'s head; write one metrics.jsonl line per epoch and summary.json; return the summary."""
    torch.manual_seed(seed)  # head initialisation was seeded by the caller; dropout masks here
    clf.standardize_with(train.x)
    optimizer = torch.optim.Adam(clf.parameter_groups()["model"], lr=cfg.lr, weight_decay=cfg.weight_decay)
    atomic.write_text(out.metrics, "")  # a rerun starts the curves afresh
    best = {"accuracy": -1.0, "epoch": 0, "state": None}
    start = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        train_parts = _train_epoch(clf, optimizer, train, cfg.batch_size, torch.Generator().manual_seed(seed + epoch))
        val_parts = evaluate(clf, val)
        atomic.append_jsonl(out.metrics, {"epoch": epoch, "train": train_parts, "val": val_parts,
                                          "epoch_s": time.perf_counter() - t0})
        if val_parts["accuracy"] > best["accuracy"]:
            best = {"accuracy": val_parts["accuracy"], "epoch": epoch, "state": copy.deepcopy(clf.head.state_dict())}
    clf.head.load_state_dict(best["state"])
    predicted = predict(clf, test)
    summary = {"train_time_s": time.perf_counter() - start, "best_epoch": best["epoch"],
               "best_val_accuracy": best["accuracy"], "epochs": cfg.epochs,
               "trainable_parameters": sum(p.numel() for p in clf.parameter_groups()["model"]),
               "test": classification_metrics(test.y.numpy(), predicted.numpy()), "n_test": len(test)}
    atomic.write_json(out.summary, summary)
    return summary


def _train_epoch(clf, optimizer, data: Features, batch_size: int, generator: torch.Generator) -> dict:
    clf.train()
    order = torch.randperm(len(data), generator=generator)
    loss_sum, correct = 0.0, 0.0
    for start in range(0, len(data), batch_size):
        idx = order[start:start + batch_size]
        loss = clf.loss_from_features(data.x[idx], data.y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.total.backward()
        optimizer.step()
        loss_sum += float(loss.total.detach()) * len(idx)
        correct += float(loss.parts["accuracy"]) * len(idx)
    return {"loss": loss_sum / len(data), "accuracy": correct / len(data)}


@torch.no_grad()
def evaluate(clf, data: Features, batch_size: int = 4096) -> dict:
    clf.eval()
    loss_sum, correct = 0.0, 0.0
    for start in range(0, len(data), batch_size):
        x, y = data.x[start:start + batch_size], data.y[start:start + batch_size]
        loss = clf.loss_from_features(x, y)
        loss_sum += float(loss.total) * len(y)
        correct += float(loss.parts["accuracy"]) * len(y)
    return {"loss": loss_sum / max(len(data), 1), "accuracy": correct / max(len(data), 1)}


@torch.no_grad()
def predict(clf, data: Features, batch_size: int = 4096) -> torch.Tensor:
    clf.eval()
    return torch.cat([clf.logits(data.x[i:i + batch_size]).argmax(1) for i in range(0, len(data), batch_size)])

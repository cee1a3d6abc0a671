"""The one training loop: everything genlab trains goes through `train`.

`train` takes a built method, its data, a TrainConfig and callbacks. For each batch it
steps the method's named optimisers in order (each `steps[name]` times) with the loss
the method returns. Per epoch it evaluates on the validation data, runs the callbacks,
writes a checkpoint and appends a record to metrics.jsonl and TensorBoard.

An interrupted run resumes from its newest good checkpoint and ends with the same numbers
as an uninterrupted one, wherever it was cut. Every consumer of randomness has its own
stream derived from the seed: the data order a generator per epoch; the training's noise
and dropout the global generators, whose state each checkpoint saves; validation and the
callbacks (per-epoch FID, sample snapshots) their own seeded streams per epoch, so whatever
they draw (or load lazily, in one process and not the other) never shifts the training's.
The epoch's record is saved in its checkpoint too: a kill between the two writes loses no line.
`fit(spec)` builds a registry model from a study's ModelSpec and trains it.
"""
from __future__ import annotations

import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import torch

from genlab import atomic, interrupts, registry
from genlab.config import ModelSpec, TrainConfig
from genlab.engine import checkpoint, precision
from genlab.engine import device as dev
from genlab.engine.denormals import flush_denormals
from genlab.engine.optim import check_steps, make_optimizers, make_schedulers
from genlab.engine import threads
from genlab.engine.step import make_step
from genlab.errors import GenlabError
from genlab.methods.base import Method
from genlab.runs import ModelDir


class Batches(Protocol):
    """What the trainer trains on: a Split of images, Features, anything alike."""

    def __len__(self) -> int: ...
    def to(self, device) -> "Batches": ...
    def batches(self, batch_size: int, shuffle: bool = False, generator=None): ...


class Callback(Protocol):
    """`on_epoch_end` returns extra numbers for the epoch's record; a callback may also
    define `on_train_end(method, model_dir)` and set `stop = True` to end training early."""

    def on_epoch_end(self, method: Method, epoch: int, model_dir: ModelDir, logs: dict) -> dict | None: ...


@dataclass
class TrainerOptions:
    """Process-level choices that never change a result."""

    device: str = "auto"
    resume: bool = False
    progress: bool = True


@dataclass
class TrainData:
    train: Batches
    val: Batches | None = None  # evaluated each epoch (the loss parts of every optimiser)
    test: Batches | None = None  # evaluated once at the end, into summary.json


def fit(spec: ModelSpec, data: TrainData, model_dir: ModelDir, seed: int, options: TrainerOptions,
        callbacks: tuple[Callback, ...] = (), *, shape: tuple[int, int, int], classes: int | None) -> dict:
    """Build `spec`'s registry model (seeded) for images of `shape` and `classes` classes, train
    it or finish training it, write final.pt."""
    if options.resume and model_dir.is_done():
        return model_dir.read_summary()
    base_seed = dev.model_seed(seed, spec.name)
    dev.seed_everything(base_seed)  # before building: weight initialisation is seeded too
    method = registry.build(spec.model, spec.params, shape=shape, classes=classes)
    check_steps(method, spec.train, f"models.{spec.name}")
    summary = train(method, data, spec.train, model_dir, base_seed, options, callbacks, name=spec.name,
                    save_final=lambda path, m: registry.save_trained(path, spec.model, spec.params, m, shape, classes))
    summary.update({"title": spec.title, "model": spec.model, "params": spec.params})
    atomic.write_json(model_dir.summary, summary)
    return summary


def train(method: Method, data: TrainData, cfg: TrainConfig, model_dir: ModelDir, seed: int,
          options: TrainerOptions, callbacks: tuple[Callback, ...] = (), name: str = "model",
          save_final: Callable[[Path, Method], None] | None = None) -> dict:
    """Train `method` for cfg.epochs (resuming if asked); returns and writes summary.json."""
    device = dev.select_device(options.device)
    method.to(device)
    train_data = data.train.to(device)
    val = data.val.to(device) if data.val is not None else None
    optimizers = make_optimizers(method, cfg)
    steps_per_epoch = math.ceil(len(train_data) / cfg.batch_size)
    schedulers = make_schedulers(optimizers, cfg, steps_per_epoch)
    state = checkpoint.load_latest(model_dir.checkpoints, method, optimizers, schedulers) if options.resume else None
    start = state["epoch"] + 1 if state else 1
    records = _drop_records_after(model_dir, start - 1, state)
    writer = _tensorboard(model_dir) if cfg.tensorboard else None
    for epoch in range(start, cfg.epochs + 1):
        wall0 = time.perf_counter()
        train_parts, seconds = train_epoch(method, optimizers, schedulers, train_data, cfg, seed + epoch,
                                           f"{name} {epoch}/{cfg.epochs}", options.progress)
        with dev.own_rng(dev.stream_seed(seed, f"validation/{epoch}")):
            val_parts = evaluate(method, val, cfg.eval_batch_size) if val is not None else {}
        logs = {"train": train_parts, "val": val_parts}
        with dev.own_rng(dev.stream_seed(seed, f"callbacks/{epoch}")):
            extra = _run_callbacks(callbacks, method, epoch, model_dir, logs)
        record = {"epoch": epoch, **logs, "extra": extra, "epoch_train_s": seconds,
                  "epoch_wall_s": time.perf_counter() - wall0, "images_per_s": len(train_data) / seconds,
                  "lr": {n: opt.param_groups[0]["lr"] for n, opt in optimizers.items()}, "threads": threads.used()}
        with interrupts.critical():  # a signal waits until both are written
            checkpoint.save(model_dir.checkpoints, epoch, method, optimizers, schedulers, cfg.keep_checkpoints, record)
            atomic.append_jsonl(model_dir.metrics, record)  # after the checkpoint: a resume never duplicates it
        records.append(record)
        _log_epoch(name, record, cfg.epochs, method, writer)
        if any(getattr(cb, "stop", False) for cb in callbacks):
            break
    if writer:
        writer.close()
    for callback in callbacks:
        if hasattr(callback, "on_train_end"):
            callback.on_train_end(method, model_dir)
    return _finish(method, data, records, cfg, model_dir, device, save_final)


@flush_denormals()  # Adam's decaying moments would otherwise slow the CPU 1.6× (engine/denormals.py)
def train_epoch(method: Method, optimizers: dict, schedulers: dict, data: Batches, cfg: TrainConfig,
                epoch_seed: int, desc: str = "", progress: bool = False) -> tuple[dict, float]:
    """One pass over `data`; returns (mean of every loss part, seconds)."""
    from tqdm import tqdm

    method.train()
    shuffle = torch.Generator().manual_seed(epoch_seed)  # the same order after a resume
    sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros((), device=_device(method)))
    bar = tqdm(data.batches(cfg.batch_size, shuffle=True, generator=shuffle), total=math.ceil(len(data) / cfg.batch_size),
               desc=desc, disable=not progress, leave=False, mininterval=0.5, file=sys.stderr)
    update = make_step(method, optimizers, cfg, _device(method))
    with threads.training(reproducibility(method, cfg)["any_thread_count"]):
        seen, start = _steps(bar, update, method, schedulers, sums, desc)
    seconds = time.perf_counter() - start
    parts = {k: float(v) / max(seen, 1) for k, v in sums.items()}
    _check_finite(parts, desc, "end")
    return parts, seconds


def reproducibility(method: Method, cfg: TrainConfig) -> dict:
    """Whether the model trains to the same bits at any thread count, and why (engine/threads.py)."""
    device = _device(method)
    same, why = threads.invariant(method, device, precision.resolved_name(cfg.precision, device))
    return {"any_thread_count": same, "why": why}


def _reproducible(method: Method, cfg: TrainConfig, records: list[dict], device) -> dict:
    """summary.json's "reproducible": would the same seed give these bits again on this machine?"""
    rep = reproducibility(method, cfg)
    used = sorted({t for r in records for t in r.get("threads", [])})
    rep["threads"] = used
    rep["bit_reproducible"] = torch.device(device).type == "cpu" and (rep["any_thread_count"] or len(used) <= 1)
    if rep["bit_reproducible"] and not rep["any_thread_count"]:
        rep["why"] += f"; trained at {used[0] if used else '?'} thread(s) throughout, so the same count gives the same bits"
    return rep


def _steps(bar, update, method: Method, schedulers: dict, sums: dict, desc: str) -> tuple[int, float]:
    """The epoch's optimiser steps; (images seen, start time)."""
    seen, start = 0, time.perf_counter()
    for step, (x, y) in enumerate(bar):
        threads.poll()  # fewer CPU threads while other processes use cores (engine/threads.py)
        interrupts.check()  # a signal whose KeyboardInterrupt some library swallowed still stops here
        for name, loss in update(x, y).items():
            _accumulate(sums, method.loss_name(name), loss, len(x))
        for scheduler in schedulers.values():
            scheduler.step()
        seen += len(x)
        if step % 25 == 0:  # a host sync every few steps, not every step
            current = {k: float(v) / seen for k, v in sums.items()}
            _check_finite(current, desc, step)
            bar.set_postfix({k: f"{v:.4g}" for k, v in list(current.items())[:3]})
    return seen, start


@torch.no_grad()
def evaluate(method: Method, data: Batches, batch_size: int) -> dict[str, float]:
    """Mean of every loss part over `data`, in eval mode."""
    was_training = method.training
    method.eval()
    sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros((), device=_device(method)))
    for x, y in data.batches(batch_size):
        for name in method.optimizers:
            _accumulate(sums, method.loss_name(name), method.loss(x, y, name), len(x))
    method.train(was_training)
    return {k: float(v) / max(len(data), 1) for k, v in sums.items()}


def _device(method: Method) -> torch.device:
    return next(iter(method.parameters()), torch.zeros(())).device


def _accumulate(sums: dict, total_name: str, loss, n: int) -> None:
    sums[total_name].add_(loss.total.detach(), alpha=n)  # one operator per part, no temporary
    for key, value in loss.parts.items():
        if key != total_name:
            sums[key].add_(value.detach(), alpha=n)


def _check_finite(values: dict[str, float], desc: str, step) -> None:
    bad = {k: v for k, v in values.items() if not math.isfinite(v)}
    if bad:
        key = next(iter(bad))
        raise GenlabError(f"training {desc} stopped: {key} became {bad[key]} (at step {step}); "
                          "lower train.lr or check the inputs — the last finished epoch's checkpoint is kept")


def _run_callbacks(callbacks, method: Method, epoch: int, model_dir: ModelDir, logs: dict) -> dict:
    extra: dict[str, float] = {}
    if not callbacks:
        return extra
    was_training = method.training
    method.eval()
    with torch.no_grad():
        for callback in callbacks:
            extra.update(callback.on_epoch_end(method, epoch, model_dir, logs) or {})
    method.train(was_training)
    return extra


def _drop_records_after(model_dir: ModelDir, epoch: int, state: dict | None) -> list[dict]:
    """Forget metric lines of epochs the resumed checkpoint does not contain; restore the
    checkpoint's own epoch line where a kill came between the two writes."""
    records = model_dir.read_metrics()
    kept = [r for r in records if r.get("epoch", 0) <= epoch]
    saved = (state or {}).get("record")
    if saved and saved.get("epoch") == epoch and all(r.get("epoch") != epoch for r in kept):
        kept.append(saved)
    if kept != records or (epoch == 0 and model_dir.metrics.exists()):
        atomic.write_jsonl(model_dir.metrics, kept)
    return kept


def _tensorboard(model_dir: ModelDir):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is a dependency, but logging must never stop training
        return None
    return SummaryWriter(log_dir=str(model_dir.tensorboard))


def _log_epoch(name: str, record: dict, epochs: int, method: Method, writer) -> None:
    main = method.loss_name(method.optimizers[0])
    val = f", val {main} {record['val'][main]:.5g}" if main in record["val"] else ""
    print(f"{name} epoch {record['epoch']}/{epochs}: train {main} {record['train'][main]:.5g}{val} "
          f"({record['epoch_train_s']:.1f} s, {record['images_per_s']:,.0f} img/s)", file=sys.stderr, flush=True)
    if writer is None:
        return
    for split in ("train", "val"):
        for key, value in record[split].items():
            writer.add_scalar(f"{key}/{split}", value, record["epoch"])
    for key, value in record["extra"].items():
        writer.add_scalar(key, value, record["epoch"])
    writer.flush()


def _finish(method: Method, data: TrainData, records: list[dict], cfg: TrainConfig, model_dir: ModelDir,
            device, save_final) -> dict:
    """summary.json and final.pt. Times are sums of the epochs' own times, so a resumed run
    never counts the time its process was dead."""
    last = records[-1]
    test = evaluate(method, data.test.to(device), cfg.eval_batch_size) if data.test is not None else {}
    summary = {
        "epochs": last["epoch"], "batch_size": cfg.batch_size,
        "train_time_s": sum(r["epoch_train_s"] for r in records),
        "wall_time_s": sum(r.get("epoch_wall_s", r["epoch_train_s"]) for r in records),
        "images_per_s": sum(r["images_per_s"] for r in records) / len(records),
        "parameters": method.parameter_count(),
        "final": {"train": last["train"], "val": last["val"], "test": test},
        "device": str(device),
        "precision": precision.resolved_name(cfg.precision, device),  # what train.precision meant here
        "reproducible": _reproducible(method, cfg, records, device),
    }
    method.cpu()
    if save_final:
        save_final(model_dir.final, method)
    else:
        atomic.save_torch(model_dir.final, {"state_dict": method.state_dict()})
    atomic.write_json(model_dir.summary, summary)
    return summary

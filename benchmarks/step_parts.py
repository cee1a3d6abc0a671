"""Where a training step's time goes, in genlab's loop and in the tutorial loop `genlab bench` compares it with.

    uv run python benchmarks/step_parts.py [--model vae] [--study dense] [--rounds 40]

Both loops call the same `method.loss`, so they run the same forward and backward; genlab's
with denormal floats flushed (engine/denormals.py), which only pays once Adam's moments have
decayed into them. The rest differs: the optimiser step (genlab: torch's fused Adam kernel
called directly, engine/fused_adam.py; the tutorial: torch's default Adam) and the batch
(genlab: one index_select of uint8 images and a conversion; the tutorial: a DataLoader over a
TensorDataset of floats). This times each part of each loop on its own, in rounds that alternate
between all of them (the best round of each: these machines are shared and noisy), and prints
the ratio of two steps made only of those parts. Where the forward and backward cost the same
in both loops, that ratio is about the most `genlab bench` can show without a faster forward
and backward, which would speed up both loops alike.
"""
from __future__ import annotations

import contextlib
import sys
import time

import torch
from torch.utils.data import DataLoader, TensorDataset

from _args import at_least  # benchmarks/_args.py: this script's folder is on sys.path
from genlab.cli import OneLineParser
from genlab.bench.throughput import _fresh, _with_step, reference_epoch
from genlab.config import load_study
from genlab.data.splits import make_splits
from genlab.engine.denormals import flush_denormals
from genlab.engine.trainer import train_epoch
from genlab.errors import GenlabError


def _endless(make_batches):
    while True:
        yield from make_batches()


def _per_step(work, steps: int, flushed: bool) -> float:
    """Seconds per call of `work`; genlab's parts with denormals flushed, as train_epoch runs them."""
    with flush_denormals() if flushed else contextlib.nullcontext():
        start = time.perf_counter()
        for _ in range(steps):
            work()
        return (time.perf_counter() - start) / steps


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="dense")
    parser.add_argument("--model", default="vae")
    parser.add_argument("--images", type=at_least(1), default=20000)
    parser.add_argument("--rounds", type=at_least(1), default=40)
    args = parser.parse_args()
    try:
        return _run(args)
    except GenlabError as e:  # an unknown study or model: genlab's one line, no traceback
        print(f"step_parts: {e}", file=sys.stderr)
        return 2


def _run(args) -> int:
    config = load_study(args.study)
    spec = config.model(args.model)
    data = make_splits(config.data, config.seed).train.head(args.images)
    cfg, batch = _with_step(spec, "eager"), spec.train.batch_size
    ours, theirs = _fresh(spec, 0, True, data), _fresh(spec, 0, False, data)
    train_epoch(*ours, {}, data, cfg, 0)  # a model in training, as genlab bench times it
    reference_epoch(*theirs, data, batch)
    genlab_batches = _endless(lambda: data.batches(batch, shuffle=True, generator=torch.Generator().manual_seed(1)))
    loader = DataLoader(TensorDataset(data.floats(), data.labels), batch_size=batch, shuffle=True)
    tutorial_batches = _endless(lambda: iter(loader))
    x, y = next(genlab_batches)

    def forward_backward(method, optimizers):
        for name in method.optimizers:
            optimizers[name].zero_grad(set_to_none=True)
            method.loss(x, y, name).total.backward()

    def optimiser_step(method, optimizers):
        for name in method.optimizers:
            optimizers[name].step()

    parts = {
        "genlab: forward + backward": lambda: forward_backward(*ours),
        "genlab: optimiser step": lambda: optimiser_step(*ours),
        "genlab: batch": lambda: next(genlab_batches),
        "tutorial: forward + backward": lambda: forward_backward(*theirs),
        "tutorial: optimiser step": lambda: optimiser_step(*theirs),
        "tutorial: batch": lambda: next(tutorial_batches),
    }
    best = {name: float("inf") for name in parts}
    for _ in range(args.rounds):
        for name, work in parts.items():
            best[name] = min(best[name], _per_step(work, 20, flushed=name.startswith("genlab")))
    for name, seconds in best.items():
        print(f"{name:<34} {seconds * 1e3:7.3f} ms per step")
    genlab, tutorial = (sum(t for name, t in best.items() if name.startswith(loop)) for loop in ("genlab", "tutorial"))
    print(f"{spec.name}: a step made only of these parts: genlab {genlab * 1e3:.3f} ms, tutorial {tutorial * 1e3:.3f} ms, "
          f"ratio {tutorial / genlab:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

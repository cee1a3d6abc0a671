"""`genlab bench`: training throughput of genlab's engine against the reference loop.

For each study-1 model, in one process and side by side: one epoch through genlab's
loop (uint8 data in memory, one gather per batch) and one epoch through the loop most
tutorials use (torch DataLoader over a TensorDataset of float images, plain Adam,
`loss.item()` each step), same model init, batch size and Adam settings. Reports images/s, their ratio,
and the FLOP/s achieved against a matmul peak measured here and now — ratios from one
run are what to quote: these machines are shared and noisy.
"""
from __future__ import annotations

import resource
import time
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.flop_counter import FlopCounterMode

from genlab import registry
from genlab.config import ModelSpec
from genlab.data.splits import Split, batches
from genlab.engine import device as dev
from genlab.engine.optim import make_optimizers
from genlab.engine.trainer import train_epoch


@dataclass
class BenchResult:
    model: str
    batch_size: int
    images: int
    genlab_images_per_s: float
    reference_images_per_s: float
    speedup: float
    flops_per_image: float
    genlab_flop_per_s: float
    peak_flop_per_s: float
    peak_fraction: float


def matmul_peak(size: int = 1024, repeats: int = 20) -> float:
    """FLOP/s of float32 square matmuls on this machine now (best of a few timings)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)  # warm-up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 * repeats / best


def _fresh(spec: ModelSpec, seed: int, engine: bool):
    """The same initial weights for both loops; genlab's optimisers or the tutorial's plain Adam."""
    dev.seed_everything(seed)
    method = registry.build(spec.model, spec.params)
    if engine:
        return method, make_optimizers(method, spec.train)
    groups = method.parameter_groups()
    optimizers = {n: torch.optim.Adam(groups[n], lr=spec.train.lr, betas=spec.train.betas) for n in method.optimizers}
    return method, optimizers


def flops_per_image(spec: ModelSpec, data: Split) -> float:
    """Forward + backward FLOPs of one training step (all optimisers), per image."""
    method, _ = _fresh(spec, 0, engine=True)
    x, y = next(batches(data, spec.train.batch_size))
    with FlopCounterMode(display=False) as counter:
        for name in method.optimizers:
            method.loss(x, y, name).total.backward()
    return counter.get_total_flops() / len(x)


def reference_epoch(method, optimizers, data: Split, batch_size: int) -> float:
    """The tutorial loop: DataLoader(TensorDataset) over float images. Returns seconds."""
    dataset = TensorDataset(data.floats(), data.labels)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    method.train()
    running = 0.0
    start = time.perf_counter()
    for x, y in loader:
        for name in method.optimizers:
            loss = method.loss(x, y, name)
            optimizers[name].zero_grad()
            loss.total.backward()
            optimizers[name].step()
            running += loss.total.item()
    return time.perf_counter() - start


def bench_model(spec: ModelSpec, data: Split, peak: float) -> BenchResult:
    method, optimizers = _fresh(spec, 0, engine=True)
    _, ours = train_epoch(method, optimizers, {}, data, spec.train, 0)
    method, optimizers = _fresh(spec, 0, engine=False)
    ref = reference_epoch(method, optimizers, data, spec.train.batch_size)
    fpi = flops_per_image(spec, data)
    ours_ips, ref_ips = len(data) / ours, len(data) / ref
    return BenchResult(spec.name, spec.train.batch_size, len(data), ours_ips, ref_ips, ours_ips / ref_ips,
                       fpi, fpi * ours_ips, peak, fpi * ours_ips / peak)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

"""`genlab bench`: training throughput of genlab's engine against the reference loop.

For each study-1 model, in one process and side by side: one epoch through genlab's
loop (uint8 data in memory, one gather per batch) and one epoch through the loop most
tutorials use (torch DataLoader over a TensorDataset of float images, plain Adam,
`loss.item()` each step), same model init, batch size and Adam settings. genlab's loop trains
in the model's train.precision (bfloat16 mixed precision where the study file asks for it and
the device has bf16 units: engine/precision.py), the tutorial's in float32. Reports images/s,
their ratio, and the FLOP/s achieved against a matmul peak measured here and now, in the
precision genlab's loop used — ratios from one run are what to quote: these machines are
shared and noisy.

On the CPU each loop trains one untimed epoch, then five timed ones, alternating between
the loops, and the best epoch of each is compared; each round's own ratio is kept too, so
the spread shows how noisy the machine was. What is timed is a model in training,
not one fresh from its initialisation: most of a run is spent past
its first epoch, and some costs only appear there (Adam's moments of dead units decay
into denormal floats after about a thousand steps; genlab flushes them, engine/denormals.py,
the tutorial loop does not).

On a GPU (`--device cuda`) each model is timed three ways, all on the GPU: genlab's eager
step and its CUDA-graph step (engine/cuda_graph.py), both with the data resident on the
GPU, and the tutorial loop (DataLoader over CPU floats, `.to(device)` per batch). The
clocks are read after a synchronise, and each loop first runs a few untimed batches
(CUDA's lazy kernel loading and cuBLAS set-up are not what is measured).
"""
from __future__ import annotations

import dataclasses
import resource
import time
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, TensorDataset

from genlab import registry
from genlab.analyses.flop_floor import update_flops
from genlab.config import ModelSpec
from genlab.data.splits import Split
from genlab.engine import device as dev
from genlab.engine import precision
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
    device: str = "cpu"
    graph_images_per_s: float | None = None  # genlab's CUDA-graph step (on cuda only)
    graph_speedup: float | None = None  # graph ÷ reference
    graph_over_eager: float | None = None  # graph ÷ genlab's eager step
    precision: str = "float32"  # what genlab's loop trained in (train.precision); the reference: float32
    round_speedups: list[float] | None = None  # on the CPU: each round's reference ÷ genlab epoch time, the noise


def _timed(device, work) -> float:
    """Seconds `work()` takes, queued GPU work included."""
    _sync(device)
    start = time.perf_counter()
    work()
    _sync(device)
    return time.perf_counter() - start


def _sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def data_shape(data: Split) -> tuple[tuple[int, int, int], int]:
    """(image shape C×H×W, class count) of the images a bench trains on."""
    return tuple(data.images.shape[1:]), int(data.labels.max()) + 1


def _fresh(spec: ModelSpec, seed: int, engine: bool, data: Split, device: str = "cpu"):
    """The same initial weights for both loops; genlab's optimisers or the tutorial's plain Adam."""
    dev.seed_everything(seed)
    shape, classes = data_shape(data)
    method = registry.build(spec.model, spec.params, shape=shape, classes=classes).to(device)
    if engine:
        return method, make_optimizers(method, spec.train)
    groups = method.parameter_groups()
    optimizers = {n: torch.optim.Adam(groups[n], lr=spec.train.lr, betas=spec.train.betas) for n in method.optimizers}
    return method, optimizers


def flops_per_image(spec: ModelSpec, data: Split) -> float:
    """FLOPs of one training update (every optimiser, train.steps each), per image."""
    return update_flops(spec, *data_shape(data)) / spec.train.batch_size


def reference_epoch(method, optimizers, data: Split, batch_size: int, device: str = "cpu") -> float:
    """The tutorial loop: DataLoader(TensorDataset) over float images (on the CPU; each batch
    moved to `device`). Returns seconds."""
    dataset = TensorDataset(data.floats(), data.labels)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    method.train()
    running = 0.0
    _sync(device)
    start = time.perf_counter()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        for name in method.optimizers:
            loss = method.loss(x, y, name)
            optimizers[name].zero_grad()
            loss.total.backward()
            optimizers[name].step()
            running += loss.total.item()
    _sync(device)
    return time.perf_counter() - start


def bench_model(spec: ModelSpec, data: Split, peak: float, device: str = "cpu", rounds: int = 5) -> BenchResult:
    if torch.device(device).type == "cuda":
        return _bench_gpu(spec, data, peak, device)
    cfg, batch = _with_step(spec, "eager"), spec.train.batch_size
    ours, theirs = _fresh(spec, 0, True, data), _fresh(spec, 0, False, data)
    train_epoch(*ours, {}, data, cfg, 0)  # untimed first epochs: a model in training is what is measured
    reference_epoch(*theirs, data, batch)
    times: dict[str, list[float]] = {"ours": [], "ref": []}
    for epoch in range(1, rounds + 1):  # alternating, best of `rounds`: a burst elsewhere hits one epoch, not a loop
        times["ours"].append(train_epoch(*ours, {}, data, cfg, epoch)[1])
        times["ref"].append(reference_epoch(*theirs, data, batch))
    fpi = flops_per_image(spec, data)
    ours_ips, ref_ips = len(data) / min(times["ours"]), len(data) / min(times["ref"])
    return BenchResult(spec.name, batch, len(data), ours_ips, ref_ips, ours_ips / ref_ips,
                       fpi, fpi * ours_ips, peak, fpi * ours_ips / peak,
                       precision=precision.resolved_name(spec.train.precision, device),
                       round_speedups=[ref / ours for ours, ref in zip(times["ours"], times["ref"])])


def _bench_gpu(spec: ModelSpec, data: Split, peak: float, device: str) -> BenchResult:
    """Eager, CUDA graph and the tutorial loop, each one epoch after a few untimed batches."""
    resident = data.to(device)  # genlab's loops: the uint8 images live on the GPU
    warm, batch = 8 * spec.train.batch_size, spec.train.batch_size
    seconds = {}
    for step in ("eager", "cuda_graph"):
        cfg = _with_step(spec, step)
        train_epoch(*_fresh(spec, 0, True, data, device), {}, resident.head(warm), cfg, 0)
        method, optimizers = _fresh(spec, 0, True, data, device)
        seconds[step] = _timed(device, lambda: train_epoch(method, optimizers, {}, resident, cfg, 0))
    reference_epoch(*_fresh(spec, 0, False, data, device), data.head(warm), batch, device)
    ref = reference_epoch(*_fresh(spec, 0, False, data, device), data, batch, device)
    fpi = flops_per_image(spec, data)
    eager, graph, ref_ips = (len(data) / s for s in (seconds["eager"], seconds["cuda_graph"], ref))
    return BenchResult(spec.name, batch, len(data), eager, ref_ips, eager / ref_ips, fpi, fpi * eager, peak,
                       fpi * eager / peak, str(device), graph, graph / ref_ips, graph / eager,
                       precision.resolved_name(spec.train.precision, device))


def _with_step(spec: ModelSpec, step: str):
    return dataclasses.replace(spec.train, step=step)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

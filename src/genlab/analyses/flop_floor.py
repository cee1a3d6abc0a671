"""How far each model's training time is from its FLOP floor.

The floor of a model is the arithmetic its training needs — FLOPs of one update (forward,
loss, backward of every named optimiser, `train.steps` times each, counted by torch's
FlopCounterMode on one batch) × the updates it made — divided by the float32 matmul peak
measured on the run's device when training ended (a model trained in bfloat16 mixed
precision, train.precision: its bfloat16 matmul peak, several times the float32 one on a CPU
with AMX, so that its floor is what its arithmetic could take). Training time ÷ floor says how much of
the time went to anything but arithmetic at peak: 1× is the ideal; small models at small
batches sit far above it (per-operator dispatch and thin matmuls, not arithmetic, take
their time). Elementwise work, optimiser updates and data movement count no FLOPs here,
and convolutions rarely reach a matmul's peak, so the ratio is an upper bound on waste.
"""
from __future__ import annotations

import math
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from genlab.analyses.base import Analysis, AnalysisContext, ReportView
from genlab.config import ModelSpec, StudyConfig
from genlab.engine import precision
from genlab.report.page import Table, Text


def matmul_peak(device: str | torch.device = "cpu", size: int = 1024, repeats: int = 20,
                dtype: torch.dtype = torch.float32) -> float:
    """FLOP/s of square matmuls of `dtype` on `device` now (best of three timings)."""
    device = torch.device(device)
    size = size if device.type == "cpu" else 4 * size  # a GPU needs bigger products to reach its peak
    a, b = (torch.randn(size, size, device=device).to(dtype) for _ in range(2))
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.mm(a, b)  # warm-up
    best = float("inf")
    for _ in range(3):
        sync()
        start = time.perf_counter()
        for _ in range(repeats):
            torch.mm(a, b)
        sync()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 * repeats / best


class _TotalOnly:
    """Stands in for FlopCounterMode's per-module tracker: that tracker's backward hooks fail
    inside torch.autograd.grad (WGAN-GP's gradient penalty), and only the total is used here."""

    parents = {"Global"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def count_flops() -> FlopCounterMode:
    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _TotalOnly()
    return counter


def update_flops(spec: ModelSpec, shape: tuple[int, int, int], classes: int | None) -> float:
    """FLOPs of one training update of `spec` at its batch size on images of `shape` (a fresh
    build, a random batch)."""
    from genlab import registry

    method = registry.build(spec.model, spec.params, shape=shape, classes=classes)
    method.train()
    batch = spec.train.batch_size
    x, y = torch.rand(batch, *shape), torch.randint(0, max(classes or 1, 1), (batch,))  # B×C×H×W, B
    with count_flops() as counter:
        for name in method.optimizers:
            for _ in range(spec.train.steps.get(name, 1)):
                method.loss(x, y, name).total.backward()
    return float(counter.get_total_flops())


@torch.no_grad()
def sample_flops(spec: ModelSpec, shape: tuple[int, int, int], classes: int | None) -> float | None:
    """FLOPs to generate one image with the model's own sampler (all its steps; a mixture-sampled
    autoencoder: one decode), or None for a model that cannot generate."""
    from genlab import registry

    method = registry.build(spec.model, spec.params, shape=shape, classes=classes).eval()
    with count_flops() as counter:
        if method.sampling == "prior":
            method.sample(2, generator=torch.Generator().manual_seed(0))
        elif method.sampling == "codes":
            method.decode(torch.zeros(2, int(getattr(method, "latent_dim", 1))))
        else:
            return None
    return float(counter.get_total_flops()) / 2


def precisions(config: StudyConfig, summaries: dict | None, device: str | torch.device) -> dict[str, str]:
    """Per model, the precision it trained in (its summary's), or would train in on `device`."""
    return {spec.name: ((summaries or {}).get(spec.name) or {}).get("precision")
            or precision.resolved_name(spec.train.precision, device) for spec in config.models}


def measure_peaks(names, device: str | torch.device) -> dict[str, float]:
    """The matmul peak of each precision in `names` (float32 always), measured now."""
    return {name: matmul_peak(device, dtype=precision.DTYPES[name]) for name in sorted({"float32", *names})}


def floor_table(config: StudyConfig, n_train: int, shape: tuple[int, int, int], classes: int | None,
                peaks: dict[str, float] | None = None, summaries: dict | None = None,
                device: str | torch.device = "cpu") -> dict:
    """Per model: FLOPs per update, updates, total, floor seconds at the peak of the precision it
    trains in (`peaks`, by name; None: measured now on `device`); with summaries the epochs
    actually trained (early stopping) and training time ÷ floor."""
    rows = []
    used = precisions(config, summaries, device)
    peaks = peaks or measure_peaks(used.values(), device)
    for spec in config.models:
        summary = (summaries or {}).get(spec.name) or {}
        epochs = summary.get("epochs", spec.train.epochs)
        updates = epochs * math.ceil(n_train / spec.train.batch_size)
        flop, peak = update_flops(spec, shape, classes), peaks[used[spec.name]]
        row = {"model": spec.name, "flop_per_update": flop, "updates": updates, "flop": flop * updates,
               "precision": used[spec.name], "peak_flop_per_s": peak, "floor_time_s": flop * updates / peak,
               "sample_flop_per_image": sample_flops(spec, shape, classes)}
        if "train_time_s" in summary:
            row.update(train_time_s=summary["train_time_s"], time_over_floor=summary["train_time_s"] / row["floor_time_s"])
        rows.append(row)
    total = {"flop": sum(r["flop"] for r in rows), "floor_time_s": sum(r["floor_time_s"] for r in rows)}
    if rows and all("time_over_floor" in r for r in rows):
        total.update(train_time_s=sum(r["train_time_s"] for r in rows))
        total["time_over_floor"] = total["train_time_s"] / total["floor_time_s"]
    return {"peak_flop_per_s": peaks["float32"], "n_train": n_train, "models": rows, "total": total}


class FlopFloor(Analysis):
    key = "flop_floor"
    title = "Training time against the FLOP floor"

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        device = next((s.get("device") for s in ctx.summaries.values() if s.get("device")), "cpu")
        facts = ctx.splits.facts
        result = floor_table(ctx.config, len(ctx.splits.train), facts.shape, len(facts.classes or ()) or None,
                             summaries=ctx.summaries, device=device)
        return {**result, "device": device, "threads": torch.get_num_threads()}

    def blocks(self, view: ReportView, results: dict) -> list:
        if not results.get("models"):
            return []
        models = results["models"]
        rows = [[view.title(r["model"]), r.get("precision", "float32"), r["flop_per_update"] / 1e6, r["updates"],
                 r["flop"] / 1e9, r["floor_time_s"], r.get("train_time_s"), r.get("time_over_floor"),
                 *_sampling_cells(r)] for r in models]
        total = results["total"]
        rows.append(["All models", None, None, None, total["flop"] / 1e9, total["floor_time_s"], total.get("train_time_s"),
                     total.get("time_over_floor"), None, None])
        where = f"{results.get('device', 'cpu')}" + (f", {results['threads']} threads" if results.get("device") == "cpu" else "")
        table = Table(["Model", "Precision", "MFLOP / update", "Updates", "GFLOP", "Floor (s)", "Training (s)",
                       "Time ÷ floor", "Sampling MFLOP / image", "Sampling floor (s per 1,000)"], rows,
                      f"Floor = FLOPs at this run's measured matmul peak in the precision each model trained in: "
                      f"{peaks_text(results)} ({where}), measured when training ended. Sampling: the FLOPs of one "
                      "image from the model's own sampler (every step of an iterative one).",
                      kinds=[None, None, "mflop", "count", "gflop", "duration", "duration", "ratio", "mflop", "duration"])
        worst = max((r for r in results["models"] if "time_over_floor" in r), key=lambda r: r["time_over_floor"], default=None)
        text = ("Training time ÷ floor is 1× when every second goes to arithmetic at the matmul peak. "
                "Elementwise work, optimiser updates and data movement add no FLOPs here, so a small model at a small "
                "batch sits far above 1×: its time goes to launching many small operations, not to arithmetic.")
        if worst is not None and "time_over_floor" in total:
            text += (f" The whole study trained in {total['time_over_floor']:.1f}× its floor; the furthest from it is "
                     f"{view.title(worst['model'])} at {worst['time_over_floor']:.1f}× "
                     f"({worst['flop_per_update'] / 1e6:,.1f} MFLOP per update).")
        return [table, Text(text + _float32_comparison(results, view))]


def _sampling_cells(row: dict) -> list:
    flop = row.get("sample_flop_per_image")
    return [None, None] if flop is None else [flop / 1e6, flop * 1000 / row["peak_flop_per_s"]]


def used_peaks(results: dict) -> dict[str, float]:
    """{precision: matmul peak} of a floor table: float32's, and each one a row used."""
    peaks = {"float32": results["peak_flop_per_s"]}
    peaks.update({r["precision"]: r["peak_flop_per_s"] for r in results["models"] if "precision" in r})
    return peaks


def peaks_text(results: dict) -> str:
    """'float32 312.0 GFLOP/s, bfloat16 1,172.0 GFLOP/s'"""
    return ", ".join(f"{name} {peak / 1e9:,.1f} GFLOP/s" for name, peak in used_peaks(results).items())


def _float32_comparison(results: dict, view: ReportView) -> str:
    """For a run with models in mixed precision: the study against the float32 floor too, the
    one a float32-only machine has (their floors above are at the faster bfloat16 peak)."""
    mixed = [r for r in results["models"] if r.get("precision", "float32") != "float32"]
    total = results["total"]
    if not mixed or "train_time_s" not in total:
        return ""
    floor32 = total["flop"] / results["peak_flop_per_s"]
    names = "; ".join(view.title(r["model"]) for r in mixed)
    return (f" {len(mixed)} of the models trained in {mixed[0]['precision']} mixed precision (train.precision: "
            f"{names}), so their floors are at that precision's peak. At the float32 peak alone the study's floor "
            f"would be {floor32:,.0f} s, and its training time {total['train_time_s'] / floor32:.2f}× that.")

"""Run `genlab bench` end to end: pick models, time each, print and save, check targets."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import torch
import yaml

from genlab import atomic
from genlab.analyses.flop_floor import matmul_peak
from genlab.bench.throughput import bench_model, peak_rss_mib
from genlab.config import load_study
from genlab.engine import precision
from genlab.data.splits import make_splits
from genlab.engine.device import select_device
from genlab.errors import GenlabError
from genlab.runs import environment

# shipped inside the package, so an installed wheel checks them too (benchmarks/targets.yaml links here)
TARGETS_FILE = Path(__file__).with_name("targets.yaml")


def run_bench(study: str, models: str | None, images: int | None, out: Path, device: str = "cpu") -> dict:
    where = select_device(device)  # --device cuda without a GPU: one line, before any data is read
    config = load_study(study)
    specs = config.models
    if models:
        wanted = [m.strip() for m in models.split(",") if m.strip()]
        specs = [config.model(name) for name in wanted]
    splits = make_splits(config.data, config.seed)
    data = splits.train.head(images) if images else splits.train
    if images is not None and images < 1:
        raise GenlabError("--images must be a positive number")
    peaks = {"float32": matmul_peak(device=str(where))}
    print(f"matmul peak: {peaks['float32'] / 1e9:.1f} GFLOP/s (float32, {_device_name(where)})", file=sys.stderr)
    results = []
    for spec in specs:
        used = precision.resolved_name(spec.train.precision, where)  # genlab's loop trains in it; the tutorial's in float32
        if used not in peaks:
            peaks[used] = matmul_peak(device=str(where), dtype=precision.DTYPES[used])
            print(f"matmul peak: {peaks[used] / 1e9:.1f} GFLOP/s ({used})", file=sys.stderr)
        result = bench_model(spec, data, peaks[used], str(where))
        results.append(result)
        print(_line(result))
    report = {"measured": dt.datetime.now().isoformat(timespec="seconds"), "study": study, "images": len(data),
              "matmul_peak_flop_per_s": peaks["float32"], "matmul_peaks": peaks, "peak_rss_mib": peak_rss_mib(),
              "environment": environment(),
              "device": str(where), "results": [dataclasses.asdict(r) for r in results],
              "targets": check_targets(results)}
    atomic.write_json(out, report)
    print(f"written {out}", file=sys.stderr)
    return report


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{torch.get_num_threads()} threads"


def _line(r) -> str:
    """One model's numbers: genlab vs the reference loop (on cuda: eager, CUDA graph, reference)."""
    head = f"{r.model:<12} batch {r.batch_size:>4}" + (f" ({r.precision})" if r.precision != "float32" else "") + ": "
    flops = f"{r.genlab_flop_per_s / 1e9:6.2f} GFLOP/s = {r.peak_fraction:5.1%} of peak"
    if r.graph_images_per_s is None:
        spread = f" (rounds {min(r.round_speedups):.2f}–{max(r.round_speedups):.2f}×)" if r.round_speedups else ""
        return (head + f"genlab {r.genlab_images_per_s:>9,.0f} img/s, reference {r.reference_images_per_s:>9,.0f} "
                f"img/s, ratio {r.speedup:4.2f}×{spread}, " + flops)
    return (head + f"eager {r.genlab_images_per_s:>9,.0f}, cuda_graph {r.graph_images_per_s:>9,.0f}, reference "
            f"{r.reference_images_per_s:>9,.0f} img/s; ratio graph/reference {r.graph_speedup:4.2f}×, "
            f"graph/eager {r.graph_over_eager:4.2f}×, eager/reference {r.speedup:4.2f}× (eager: {flops})")


def check_targets(results) -> list[dict]:
    """Compare with the shipped targets.yaml (ratios, not absolute speeds)."""
    if not TARGETS_FILE.is_file():
        return []
    targets = yaml.safe_load(TARGETS_FILE.read_text()) or {}
    checks = []
    for target in targets.get("speedup", []):
        match = next((r for r in results if r.model == target["model"]), None)
        if match is None:
            continue
        speedup = match.speedup if match.graph_speedup is None else match.graph_speedup  # genlab's step on the device
        ok = speedup >= target["min"]
        checks.append({"model": target["model"], "min_speedup": target["min"], "speedup": speedup, "met": ok})
        print(f"target: {target['model']} ≥ {target['min']}× the reference loop: "
              f"{'met' if ok else 'NOT met'} ({speedup:.2f}×)")
    return checks

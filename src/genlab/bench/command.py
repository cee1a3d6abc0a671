"""Run `genlab bench` end to end: pick models, time each, print and save, check targets."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import torch
import yaml

from genlab import atomic
from genlab.bench.throughput import bench_model, matmul_peak, peak_rss_mib
from genlab.config import load_study
from genlab.data.splits import make_splits
from genlab.errors import GenlabError
from genlab.runs import environment

# shipped inside the package, so an installed wheel checks them too (benchmarks/targets.yaml links here)
TARGETS_FILE = Path(__file__).with_name("targets.yaml")


def run_bench(study: str, models: str | None, images: int | None, out: Path, device: str = "cpu") -> dict:
    config = load_study(study)
    specs = config.models
    if models:
        wanted = [m.strip() for m in models.split(",") if m.strip()]
        specs = [config.model(name) for name in wanted]
    splits = make_splits(config.data, config.seed)
    data = splits.train.head(images) if images else splits.train
    if images is not None and images < 1:
        raise GenlabError("--images must be a positive number")
    peak = matmul_peak()
    print(f"matmul peak: {peak / 1e9:.1f} GFLOP/s (float32, {torch.get_num_threads()} threads)", file=sys.stderr)
    results = []
    for spec in specs:
        result = bench_model(spec, data, peak)
        results.append(result)
        print(f"{result.model:<12} batch {result.batch_size:>4}: genlab {result.genlab_images_per_s:>9,.0f} img/s, "
              f"reference {result.reference_images_per_s:>9,.0f} img/s, ratio {result.speedup:4.2f}×, "
              f"{result.genlab_flop_per_s / 1e9:6.2f} GFLOP/s = {result.peak_fraction:5.1%} of peak")
    report = {"measured": dt.datetime.now().isoformat(timespec="seconds"), "study": study, "images": len(data),
              "matmul_peak_flop_per_s": peak, "peak_rss_mib": peak_rss_mib(), "environment": environment(),
              "results": [dataclasses.asdict(r) for r in results], "targets": check_targets(results)}
    atomic.write_json(out, report)
    print(f"written {out}", file=sys.stderr)
    return report


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
        ok = match.speedup >= target["min"]
        checks.append({"model": target["model"], "min_speedup": target["min"], "speedup": match.speedup, "met": ok})
        print(f"target: {target['model']} ≥ {target['min']}× the reference loop: "
              f"{'met' if ok else 'NOT met'} ({match.speedup:.2f}×)")
    return checks

"""`genlab bench --floor`: a study's FLOP floor, and a finished run's training time against it.

Without a run, the floor comes from the study's settings (models, epochs, batch sizes,
data sizes) and this machine's float32 matmul peak measured now. With `--run`, it is the
run's own: the `flop_floor` analysis recorded when its training ended (peak measured on
the run's device then), or, for a run without it, computed now from its config and its
models' training times (the peak is then this machine's now, and the page says so).
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import torch

from genlab import atomic
from genlab.errors import GenlabError


def run_floor(study: str, run_dir: Path | None, out: Path) -> dict:
    from genlab import registry
    from genlab.analyses.flop_floor import floor_table

    config, recorded, summaries, n_train = _sources(study, run_dir)
    if config.models and not all(spec.model in registry.models() for spec in config.models):
        raise GenlabError(f"the {config.study} study trains models genlab's engine does not (ultralytics' YOLO); "
                          "its FLOP floor is not computed")
    if recorded:
        result, source = recorded, "recorded by the run when its training ended"
    else:
        from genlab.data.splits import make_splits

        splits = make_splits(config.data, config.seed)  # the shape, classes and training images per epoch
        classes = len(splits.facts.classes) if splits.facts.classes else None
        result = floor_table(config, n_train or len(splits.train), splits.facts.shape, classes, summaries=summaries,
                             device="cpu")
        source = f"measured now on this machine's CPU ({torch.get_num_threads()} threads)"
    _print(result, source)
    report = {"measured": dt.datetime.now().isoformat(timespec="seconds"), "study": config.study,
              "run": str(run_dir) if run_dir else None, "source": source, **result}
    atomic.write_json(out, report)
    print(f"written {out}", file=sys.stderr)
    return report


def _sources(study: str, run_dir: Path | None):
    """(config, the run's recorded floor, its models' summaries, its training images per epoch);
    the last three None without a run."""
    from genlab import config as cfgmod
    from genlab import runs

    if run_dir is None:
        return cfgmod.load_study(study), None, None, None
    run = runs.RunDir(Path(run_dir))
    raw = runs.check_run(run)
    config = cfgmod.study_from_dict(raw, source=str(run.config))
    metrics = run.read_metrics()
    recorded = metrics.get("analyses", {}).get("flop_floor", {}).get("results") or None
    summaries = {spec.name: run.model(spec.name).read_summary() for spec in config.models}
    if not any(summaries.values()):
        raise GenlabError(f"{run.path} holds no trained model yet; finish it with genlab run --resume --out {run.path}")
    return config, recorded, {k: v for k, v in summaries.items() if v}, metrics.get("data", {}).get("n_train")


def _print(result: dict, source: str) -> None:
    from genlab.analyses.flop_floor import peaks_text

    print(f"matmul peak {peaks_text(result)} ({source}); {result['n_train']:,} training images per epoch")
    print(f"{'model':<14} {'precision':>9} {'MFLOP/update':>13} {'updates':>9} {'TFLOP':>9} {'floor s':>9} "
          f"{'trained s':>10} {'÷ floor':>8}")
    for r in result["models"] + [{"model": "all models", **result["total"]}]:
        trained = f"{r['train_time_s']:>10,.1f}" if "train_time_s" in r else f"{'—':>10}"
        ratio = f"{r['time_over_floor']:>7.2f}×" if "time_over_floor" in r else f"{'—':>8}"
        mflop = f"{r['flop_per_update'] / 1e6:>13,.2f}" if "flop_per_update" in r else f"{'':>13}"
        updates = f"{r['updates']:>9,}" if "updates" in r else f"{'':>9}"
        print(f"{r['model']:<14} {r.get('precision', ''):>9} {mflop} {updates} {r['flop'] / 1e12:>9,.3f} {r['floor_time_s']:>9,.1f} {trained} {ratio}", flush=True)

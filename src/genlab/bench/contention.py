"""`genlab bench --contention`: training speed on a quiet machine and beside one busy process.

Each thread policy runs in its own worker process (OpenMP reads its wait policy once, at
start), first on the quiet machine, then with one busy process that the bench starts and
stops itself — the student's laptop with a browser tab spinning, the shared server with
another job:
  genlab   — genlab's policy: one thread per core other processes leave free (engine/threads.py)
  fixed    — torch's default, one thread per core whatever else runs
  passive  — fixed threads with OMP_WAIT_POLICY=PASSIVE (waiting threads sleep)
The numbers are images/s of one training epoch per model, and the slowdown busy ÷ quiet.
A fair share of a machine with one more busy process costs at most 2×.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from genlab import atomic
from genlab.errors import GenlabError

POLICIES = {"genlab": {}, "fixed": {}, "passive": {"OMP_WAIT_POLICY": "PASSIVE"}}
DEFAULT_MODELS = "ae64,vae"
DEFAULT_IMAGES = 20000
TARGETS_FILE = Path(__file__).with_name("targets.yaml")


def run_contention(study: str, models: str | None, images: int | None, out: Path) -> dict:
    from genlab.config import load_study

    names = [m.strip() for m in (models or DEFAULT_MODELS).split(",") if m.strip()]
    config = load_study(study)
    for name in names:
        config.model(name)  # refuses an unknown name with the study's list, before anything runs
    images = images or DEFAULT_IMAGES
    rows = []
    for policy in POLICIES:
        quiet = _worker(policy, study, names, images)
        with _busy_process():
            busy = _worker(policy, study, names, images)
        for name in names:
            row = {"model": name, "policy": policy, "quiet_images_per_s": quiet[name]["images_per_s"],
                   "busy_images_per_s": busy[name]["images_per_s"], "quiet_threads": quiet[name]["threads"],
                   "busy_threads": busy[name]["threads"],
                   "slowdown": quiet[name]["images_per_s"] / busy[name]["images_per_s"]}
            rows.append(row)
            print(f"{name:<10} {policy:<8} quiet {row['quiet_images_per_s']:>9,.0f} img/s (threads {row['quiet_threads']}), beside a busy process "
                  f"{row['busy_images_per_s']:>9,.0f} img/s (threads {row['busy_threads']}): "
                  f"{row['slowdown']:.2f}× its quiet time", flush=True)
    report = {"measured": dt.datetime.now().isoformat(timespec="seconds"), "study": study, "images": images,
              "cores": len(os.sched_getaffinity(0)), "results": rows, "targets": check_targets(rows)}
    atomic.write_json(out, report)
    print(f"written {out}", file=sys.stderr)
    return report


def check_targets(rows: list[dict]) -> list[dict]:
    """genlab's policy: slowdown beside one busy process ≤ the target, quiet speed ≥ the share of fixed threads'."""
    targets = (yaml.safe_load(TARGETS_FILE.read_text()) or {}).get("contention") if TARGETS_FILE.is_file() else None
    if not targets:
        return []
    checks = []
    for row in (r for r in rows if r["policy"] == "genlab" and r["model"] in targets["models"]):
        fixed = next(r for r in rows if r["policy"] == "fixed" and r["model"] == row["model"])
        kept = row["quiet_images_per_s"] / fixed["quiet_images_per_s"]
        ok = row["slowdown"] <= targets["max_slowdown"] and kept >= targets["min_quiet_kept"]
        checks.append({"model": row["model"], "slowdown": row["slowdown"], "max_slowdown": targets["max_slowdown"],
                       "quiet_kept": kept, "min_quiet_kept": targets["min_quiet_kept"], "met": ok})
        print(f"target: {row['model']} ≤ {targets['max_slowdown']}× slower beside a busy process, quiet speed ≥ "
              f"{targets['min_quiet_kept']:.0%} of fixed threads': {'met' if ok else 'NOT met'} "
              f"({row['slowdown']:.2f}×, {kept:.0%})")
    return checks


def _worker(policy: str, study: str, names: list[str], images: int) -> dict:
    env = dict(os.environ, **POLICIES[policy])
    env.pop("GENLAB_THREADS", None)
    cmd = [sys.executable, "-m", "genlab.bench.contention", policy, study, ",".join(names), str(images)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise GenlabError(f"the {policy} bench worker failed: {last}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class _busy_process:
    """One process spinning on a core for as long as the block runs."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)  # let it get its core before the worker starts
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def _measure(policy: str, study: str, names: list[str], images: int) -> dict:
    """In the worker: one warm-up and one timed epoch per model, with the policy's threads."""
    import torch

    from genlab.bench.throughput import _fresh
    from genlab.config import load_study
    from genlab.data.splits import make_splits
    from genlab.engine import threads
    from genlab.engine.trainer import train_epoch

    config = load_study(study)
    data = make_splits(config.data, config.seed).train.head(images)
    if policy == "genlab":
        threads.adapt()
    results = {}
    for name in names:
        spec = config.model(name)
        method, optimizers = _fresh(spec, 0, True, data)
        train_epoch(method, optimizers, {}, data.head(min(2000, images)), spec.train, 0)  # warm-up
        threads.used()
        _, seconds = train_epoch(method, optimizers, {}, data, spec.train, 1)
        results[name] = {"images_per_s": len(data) / seconds, "threads": threads.used() if policy == "genlab"
                         else [torch.get_num_threads()]}
    return results


if __name__ == "__main__":
    policy, study, models, images = sys.argv[1:5]
    print(json.dumps(_measure(policy, study, models.split(","), int(images))))

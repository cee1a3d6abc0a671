"""Does `--jobs 2` beat `--jobs 1`? One 4-trial quick experiment run both ways, one after the
other on this machine (never beside another busy process), and the ratio of wall times.

    uv run python benchmarks/experiment_jobs.py [--study kitti] [--seeds 4]

Threads are divided, not oversubscribed: with --jobs 2 on 2 cores each trial gets 1 torch
thread, with --jobs 1 the single trial gets 2. The target (targets.yaml
`experiment_jobs.min`) is a ratio jobs-1 time / jobs-2 time of at least 1.0: no slower.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from _args import at_least  # benchmarks/_args.py: this script's folder is on sys.path
from genlab.cli import OneLineParser
from genlab.config import load_study
from genlab.errors import GenlabError

TARGETS = Path(__file__).resolve().parents[1] / "src" / "genlab" / "bench" / "targets.yaml"


class RunFailed(Exception):
    pass


def timed(study: str, seeds: int, jobs: int, out: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "genlab", "run", study, "--quick", "--seeds", str(seeds),
                           "--jobs", str(jobs), "--out", str(out), "--device", "cpu"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:  # genlab's own one line, not a CalledProcessError traceback
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RunFailed(f"genlab run {study} --jobs {jobs} failed (exit {done.returncode}): {last}")
    return time.perf_counter() - start


def _megabytes(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def main() -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="kitti")
    parser.add_argument("--seeds", type=at_least(2), default=4, help="trials (>= 2: two jobs need two trials)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/experiment_jobs.json"))
    args = parser.parse_args()
    try:
        load_study(args.study)  # an unknown study is one line before minutes of running
        with tempfile.TemporaryDirectory() as tmp:
            one = timed(args.study, args.seeds, 1, Path(tmp) / "jobs1")
            two = timed(args.study, args.seeds, 2, Path(tmp) / "jobs2")
            trial_mb = max(_megabytes(t) for t in (Path(tmp) / "jobs2" / "trials").iterdir())
    except (GenlabError, RunFailed) as e:
        print(f"experiment_jobs: {e}", file=sys.stderr)
        return 2
    ratio = one / two
    target = yaml.safe_load(TARGETS.read_text()).get("experiment_jobs", {}).get("min", 1.0)
    result = {"study": args.study, "quick": True, "trials": args.seeds, "jobs1_s": round(one, 1),
              "jobs2_s": round(two, 1), "ratio_jobs1_over_jobs2": round(ratio, 3), "target_min": target,
              "largest_trial_folder_mb": round(trial_mb, 1),
              "met": ratio >= target}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())

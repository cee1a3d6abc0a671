"""`genlab bench`: engine throughput vs the reference DataLoader loop."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("bench", help="images/s of genlab's training loop vs the reference DataLoader loop")
    p.add_argument("--study", default="dense", help="study whose models and batch sizes to bench (default dense)")
    p.add_argument("--models", help="comma-separated model names (default: all of the study)")
    p.add_argument("--images", type=int, default=None, help="train images per epoch (default: the study's full train split)")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/bench.json"), help="JSON file for the numbers")
    p.set_defaults(func=_bench)


def _bench(args) -> int:
    from genlab.bench.command import run_bench

    run_bench(args.study, args.models, args.images, args.out)
    return 0

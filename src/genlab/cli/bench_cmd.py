"""`genlab bench`: throughput against the reference loop, under contention, and a study's FLOP floor."""
from __future__ import annotations

from pathlib import Path

from genlab.errors import GenlabError

MAX_IMAGES = 1_000_000  # a timed epoch this long is a typo: the shipped datasets hold 70,000 images at most


def register(sub) -> None:
    p = sub.add_parser("bench", help="images/s of genlab's training loop vs the reference DataLoader loop; "
                                     "--contention: beside a busy process; --floor: a study's FLOP floor")
    p.add_argument("--study", default="dense", help="study whose models and batch sizes to bench (default dense)")
    p.add_argument("--models", help="comma-separated model names (default: all of the study; "
                                    "with --contention: ae64,vae)")
    p.add_argument("--images", type=int, default=None, help="train images per epoch (default: the study's full train split)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda: on cuda the bench also times the CUDA-graph step")
    p.add_argument("--contention", action="store_true",
                   help="time each model quiet and beside a busy process the bench starts and stops itself, "
                        "with genlab's thread policy and with fixed threads")
    p.add_argument("--floor", action="store_true",
                   help="print the study's FLOPs (per model: per step × steps) and its time floor at this machine's "
                        "matmul peak; with --run, the run's training time ÷ that floor")
    p.add_argument("--run", type=Path, help="with --floor: a finished run folder (its study and settings are used)")
    p.add_argument("--out", type=Path, default=None, help="JSON file for the numbers "
                                                          "(default benchmarks/results/<kind>.json)")
    p.set_defaults(func=_bench)


def _bench(args) -> int:
    if args.run is not None and not args.floor:
        raise GenlabError("--run is read by --floor; add --floor (genlab bench --floor --run RUN_DIR)")
    if args.floor and args.contention:
        raise GenlabError("--floor and --contention are two different benches; run them one at a time")
    if args.images is not None and not 1 <= args.images <= MAX_IMAGES:
        raise GenlabError(f"--images must be a positive number up to {MAX_IMAGES:,} (images per timed epoch), "
                          f"got {args.images}")
    if args.models is not None and not [m for m in args.models.split(",") if m.strip()]:
        raise GenlabError(f"--models {args.models!r}: name at least one model, e.g. --models ae64,vae "
                          "(or leave --models out for all of the study's)")
    from genlab.runs import check_file_target

    check_file_target(args.out, "--out", "bench.json")
    if args.floor:
        from genlab.bench.floor import run_floor

        run_floor(args.study, args.run, _out(args, "floor"))
    elif args.contention:
        from genlab.bench.contention import run_contention

        run_contention(args.study, args.models, args.images, _out(args, "contention"))
    else:
        from genlab.bench.command import run_bench

        run_bench(args.study, args.models, args.images, _out(args, "bench"), args.device)
    return 0


def _out(args, kind: str) -> Path:
    return args.out if args.out is not None else Path(f"benchmarks/results/{kind}.json")

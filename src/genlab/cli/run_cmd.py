"""`genlab run STUDY` and `genlab report RUN_DIR`."""
from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("run", help="run a study (shipped name like `dense`, or a YAML path) into a run folder")
    p.add_argument("study", help="shipped study name (dense, conv, kitti) or path to a study YAML")
    p.add_argument("--out", type=Path, help="run folder (default runs/<study>-<timestamp>)")
    p.add_argument("--quick", action="store_true", help="apply the study's quick settings (fewer epochs, subsets)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a study setting, e.g. --set train.epochs=3 (repeatable)")
    p.add_argument("--seed", type=int, help="random seed (overrides the study's)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu or cuda")
    p.add_argument("--data-dir", help="folder with the Fashion-MNIST IDX files (else $GENLAB_DATA, Debian package, cache)")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default: one per core, or $GENLAB_THREADS)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (epoch lines are still printed)")
    p.add_argument("--keep-checkpoints", action="store_true",
                   help="keep every model's epoch checkpoints after it finished (default: only final.pt)")
    p.set_defaults(func=_run)

    r = sub.add_parser("report", help="rebuild report.html of a run folder from its files")
    r.add_argument("run_dir", type=Path)
    r.set_defaults(func=_report)


DEVICES = ("auto", "cpu", "cuda")
MAX_THREADS = 1024


def _run(args) -> int:
    from genlab.config import load_study
    from genlab.errors import GenlabError

    # cheap checks first: a typo costs no import of torch
    if args.device not in DEVICES:
        raise GenlabError(f"--device {args.device!r}: use one of {', '.join(DEVICES)}")
    if args.threads is not None and not 1 <= args.threads <= MAX_THREADS:
        raise GenlabError(f"--threads must be from 1 to {MAX_THREADS}, got {args.threads}")
    if args.resume and not args.out:
        raise GenlabError("--resume needs --out RUN_DIR: the folder of the run to continue")
    overrides = list(args.overrides)
    if args.data_dir:  # Fashion-MNIST's folder; a KITTI study refuses data.data_dir with one line
        overrides.append(f"data.data_dir={json.dumps(args.data_dir)}")  # quoted: any path stays a string
    config = load_study(args.study, overrides, quick=args.quick, seed=args.seed)
    if args.out:
        from genlab.runs import check_out

        check_out(args.out, args.resume)
    from genlab.engine.device import setup_process
    from genlab.studies.base import Runtime
    from genlab.studies.runner import run_study

    setup_process(threads=args.threads)
    _terminate_like_ctrl_c()
    runtime = Runtime(device=args.device, resume=args.resume, progress=not args.no_progress,
                      keep_checkpoints=args.keep_checkpoints)
    run_study(config, args.out, runtime)
    return 0


def _terminate_like_ctrl_c() -> None:
    """`kill PID` (SIGTERM) ends a run as Ctrl-C does: the run folder is unlocked, and
    removed if no model finished an epoch (Python's default would skip all cleanup)."""
    import signal
    import threading

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _report(args) -> int:
    from genlab.runs import RunDir
    from genlab.studies.runner import build_report

    print(build_report(RunDir(args.run_dir)))
    return 0

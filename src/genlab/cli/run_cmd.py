"""`genlab run STUDY` and `genlab report RUN_DIR`."""
from __future__ import annotations

import json
import re
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("run", help="run a study (shipped name like `dense`, or a YAML path) into a run folder; "
                                   "with --seeds, an experiment of several seeds")
    add_study_arguments(p)
    add_experiment_arguments(p)
    p.add_argument("--dry-run", action="store_true",
                   help="check everything and print the resolved settings, models, analyses and an estimate of the "
                        "training time and disk; train nothing, write nothing")
    p.set_defaults(func=_run)

    r = sub.add_parser("report", help="rebuild report.html of a run or experiment folder from its files")
    r.add_argument("run_dir", type=Path, metavar="FOLDER", help="a run folder (genlab run) or an experiment folder "
                                                                 "(--seeds, sweep); report.html is rewritten in it")
    r.add_argument("--linked-images", action="store_true",
                   help="link figures/*.png instead of embedding them (a smaller page that needs its folder)")
    r.set_defaults(func=_report)


def add_experiment_arguments(p) -> None:
    p.add_argument("--seeds", type=int, help="train every setting with N seeds (the study's seed, +1, ...): an "
                                             "experiment folder with one aggregated report, means with 95%% CIs")
    p.add_argument("--jobs", type=int, help="trials at once (local executor; default: what fits — one per core "
                                            "within memory, or one per GPU; CPU threads are divided between them)")
    p.add_argument("--executor", choices=("local", "slurm"), default="local",
                   help="where trials run: local processes, or a SLURM job array through submitit")
    p.add_argument("--slurm", metavar="KEY=VALUE,...",
                   help="options for --executor slurm, e.g. partition=gpu,gpus_per_node=1,timeout_min=60")


def add_study_arguments(p) -> None:
    from genlab.config import shipped_studies

    p.add_argument("study", help=f"a shipped study ({', '.join(shipped_studies())}; `genlab studies` describes them) "
                                 "or the path of a study YAML")
    p.add_argument("--out", type=Path, help="the run or experiment folder to write (default: runs/<study>-<timestamp> "
                                            "under the current folder)")
    p.add_argument("--quick", action="store_true", help="apply the study's quick settings (fewer epochs, subsets)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a study setting, e.g. --set train.epochs=3 (repeatable)")
    p.add_argument("--seed", type=int, help="random seed (overrides the study's)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu, cuda, or GPU indices such as "
                                                    "0,1 (kitti: ultralytics' DDP over those GPUs)")
    p.add_argument("--data-dir", help="the folder or file holding the study's dataset (data.root; else $GENLAB_DATA, "
                                      "the Debian package, the user cache, a download: `genlab data` shows where)")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default: one per core, or $GENLAB_THREADS)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (epoch lines are still printed)")
    p.add_argument("--keep-checkpoints", action="store_true",
                   help="keep every model's epoch checkpoints after it finished (default: only final.pt)")
    p.add_argument("--mlflow", action="store_true", help="also log each finished run to MLflow "
                                                         "($MLFLOW_TRACKING_URI, else ./mlruns)")


DEVICES = ("auto", "cpu", "cuda")
MAX_THREADS = 1024


def check_common(args) -> list[str]:
    """Cheap checks first (a typo costs no import of torch); the --set list with --data-dir."""
    from genlab.errors import GenlabError

    if args.device not in DEVICES and not re.fullmatch(r"\d{1,3}(,\d{1,3})+", args.device):
        raise GenlabError(f"--device {args.device!r}: use one of {', '.join(DEVICES)}, or GPU indices such as 0,1 "
                          "(several GPUs: the kitti study, through ultralytics' DDP)")
    if args.threads is not None and not 1 <= args.threads <= MAX_THREADS:
        raise GenlabError(f"--threads must be from 1 to {MAX_THREADS}, got {args.threads}")
    gpus = args.device.split(",") if "," in args.device else []
    if len(set(gpus)) != len(gpus):
        raise GenlabError(f"--device {args.device}: a GPU is named twice; name each once, e.g. --device 0,1")
    if (args.device == "cuda" or gpus) and not _gpu_device_files():  # torch-free: importing torch costs seconds
        raise GenlabError(f"--device {args.device}: no CUDA GPU is visible (no /dev/nvidia* or /dev/kfd); "
                          "use --device cpu or auto")
    if args.data_dir and not Path(args.data_dir).exists():
        raise GenlabError(f"--data-dir {args.data_dir}: no such file or folder (`genlab data` shows where datasets are looked for)")
    if args.resume and not args.out:
        raise GenlabError("--resume needs --out FOLDER: the folder of the run or experiment to continue")
    if args.mlflow:
        from genlab import tracking

        tracking.check_available()
    overrides = list(args.overrides)
    if args.data_dir:  # the dataset's folder or file (data.root)
        overrides.append(f"data.root={json.dumps(args.data_dir)}")  # quoted: any path stays a string
    return overrides


def _gpu_device_files() -> bool:
    """Could a GPU be visible at all? (NVIDIA's or ROCm's device files; CUDA_VISIBLE_DEVICES
    set empty hides every one.)"""
    import glob
    import os

    if os.environ.get("CUDA_VISIBLE_DEVICES", None) == "":
        return False
    return bool(glob.glob("/dev/nvidia[0-9]*") or os.path.exists("/dev/kfd"))


def _run(args) -> int:
    from genlab import interrupts
    from genlab.config import load_study
    from genlab.errors import GenlabError

    interrupts.exit_at_once(args.seeds is None)  # until the run folder is made (runs.prepare)
    overrides = check_common(args)
    if args.dry_run:
        return _dry_run(args, overrides)
    if args.seeds is not None:
        return run_experiment(args, overrides, vary={})
    for flag, given in (("--jobs", args.jobs), ("--slurm", args.slurm), ("--executor slurm", args.executor == "slurm")):
        if given:
            raise GenlabError(f"{flag} is for experiments: add --seeds N (or use `genlab sweep`)")
    config = load_study(args.study, overrides, quick=args.quick, seed=args.seed)
    if args.out:
        from genlab.runs import check_out

        check_out(args.out, args.resume)
    from genlab.studies.base import Runtime
    from genlab.studies.runner import run_study

    runtime = Runtime(device=args.device, resume=args.resume, progress=not args.no_progress,
                      keep_checkpoints=args.keep_checkpoints, mlflow=args.mlflow, threads=args.threads)
    run_study(config, args.out, runtime)
    return 0


def _dry_run(args, overrides: list[str]) -> int:
    """Every check of a run, then the plan and an estimate: nothing trains, nothing is written."""
    from genlab.config import load_study
    from genlab.studies import dry_run
    from genlab.studies.runner import check_study
    from genlab.studies.base import Runtime

    config = load_study(args.study, overrides, quick=args.quick, seed=args.seed)
    study, _ = check_study(config, Runtime(device=args.device, threads=args.threads))
    from genlab.engine.device import setup_process

    setup_process(threads=args.threads)  # the run's thread policy, so the timed updates match the run's
    print(dry_run.describe(config, study))
    if args.seeds:
        print(f"With --seeds {args.seeds}: {args.seeds} trials of this run (on 2 cores, --jobs 2 halves the wall time "
              "at best, not the work).")
    return 0


def run_experiment(args, overrides: list[str], vary: dict) -> int:
    """`run --seeds` and `sweep`: the experiment, its report, exit 1 if any trial failed."""
    import sys

    from genlab.experiments.plan import ExperimentSpec
    from genlab.experiments.slurm import parse_options
    from genlab.studies.base import Runtime

    if args.threads is not None:
        from genlab.errors import GenlabError

        raise GenlabError("--threads is set per trial by the experiment (cores divided by --jobs); drop it")
    if "," in args.device:
        from genlab.errors import GenlabError

        raise GenlabError(f"--device {args.device} with an experiment: trials get one GPU each already "
                          "(--jobs = one per GPU); use --device auto or cuda")
    spec = ExperimentSpec(args.study, overrides, args.quick, 1 if args.seeds is None else args.seeds, args.seed, vary, args.executor,
                          args.jobs, parse_options(args.slurm))
    from genlab.experiments.orchestrate import run_experiment as run

    runtime = Runtime(device=args.device, resume=args.resume, progress=not args.no_progress,
                      keep_checkpoints=args.keep_checkpoints, mlflow=args.mlflow)
    report, outcomes = run(spec, args.out, runtime)
    failed = [o for o in outcomes if o.status != "done"]
    for o in failed:
        print(f"genlab: trial {o.id} failed: {o.error}", file=sys.stderr)
    print(f"genlab: experiment report written to {report}", file=sys.stderr)
    return 1 if failed else 0


def _report(args) -> int:
    from genlab.experiments.orchestrate import ExperimentDir, is_experiment
    from genlab.runs import RunDir
    from genlab.studies.runner import build_report

    if is_experiment(args.run_dir):
        from genlab.experiments import aggregate

        print(aggregate.write(ExperimentDir(args.run_dir)))
        return 0
    print(build_report(RunDir(args.run_dir), linked_images=args.linked_images))
    return 0

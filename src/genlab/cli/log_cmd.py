"""`genlab log RUN --mlflow`: log a run folder written earlier (or every finished trial of an
experiment) to MLflow, as `genlab run --mlflow` would have at the end of the run."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("log", help="log an existing run or experiment folder to MLflow "
                                   "($MLFLOW_TRACKING_URI, else ./mlruns); then `mlflow ui` shows it")
    p.add_argument("folder", type=Path, help="a run folder (genlab run) or an experiment folder (--seeds, sweep)")
    p.add_argument("--mlflow", action="store_true", required=True,
                   help="log to MLflow (the only tracker genlab logs to; required, so the command says where it logs)")
    p.set_defaults(func=_log)


def _log(args) -> int:
    import sys

    from genlab import tracking

    runs, experiment = _folders(args.folder)
    tracking.check_available()
    for run in runs:
        run_id = tracking.log_run(run, experiment=experiment)
        print(f"genlab: logged {run} to MLflow ({tracking.tracking_uri()}) as run {run_id}", file=sys.stderr)
    print(f"genlab: see them with `{tracking.ui_command()}`", file=sys.stderr)
    return 0


def _folders(folder: Path) -> tuple[list[Path], str | None]:
    """(run folders to log, the MLflow experiment they share): an experiment's finished trials
    under one MLflow experiment named after it, as `--seeds N --mlflow` logs them."""
    from genlab import runs
    from genlab.errors import GenlabError
    from genlab.experiments.orchestrate import ExperimentDir, is_experiment

    if not folder.is_dir():
        raise GenlabError(f"{folder} is not a folder; pass a run folder or an experiment folder")
    if is_experiment(folder):
        exp = ExperimentDir(folder)
        done = [exp.trial(t["id"]) for t in exp.read_spec()["trials"] if (exp.trial(t["id"]) / "report.html").is_file()]
        if not done:
            raise GenlabError(f"{folder}: no trial of this experiment has finished; nothing to log")
        return done, f"genlab-{folder.resolve().name}"
    runs.check_run(runs.RunDir(folder))  # one line if it is not a (sound) run folder
    if not (folder / "report.html").is_file():
        raise GenlabError(f"{folder} has no report.html yet: finish the run (genlab run --resume --out {folder}) "
                          "or rebuild it (genlab report)")
    return [folder], None

"""Log a finished run folder to MLflow (`genlab run ... --mlflow`): the resolved config as
params, every model's per-epoch metrics (step = epoch), every final number of the run, and
report.html with its figures as artifacts. It reads only the run folder, after the report
is written, so MLflow holds exactly what the report shows. The store is
$MLFLOW_TRACKING_URI, else ./mlruns (a local file store; `mlflow ui` reads it).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from genlab import atomic
from genlab.errors import GenlabError

EXPERIMENT_ENV = "GENLAB_MLFLOW_EXPERIMENT"  # an experiment's trials share one MLflow experiment
MAX_PARAM = 500  # MLflow's limit on a param value's length


def check_available() -> None:
    """mlflow installed and its store reachable — before the run, so a training is never
    lost to a typo in MLFLOW_TRACKING_URI."""
    try:
        import mlflow
    except ImportError:
        raise GenlabError("--mlflow needs the mlflow package: pip install \"genlab[mlflow]\" (or `uv sync --extra "
                          "mlflow`; `mlflow ui` needs the full mlflow package, not mlflow-skinny)") from None
    uri = tracking_uri()
    try:
        mlflow.MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    except Exception as exc:  # any store error: one line naming the store
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise GenlabError(f"--mlflow: cannot use the MLflow store {uri}: {first}; fix MLFLOW_TRACKING_URI "
                          "or unset it for ./mlruns") from None


def tracking_uri() -> str:
    """$MLFLOW_TRACKING_URI, else ./mlruns. MLflow 3 keeps its file store in maintenance
    mode behind a flag; genlab's default is that store, so the flag is set for it."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or (Path.cwd() / "mlruns").resolve().as_uri()
    if uri.startswith("file:") or "://" not in uri:
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return uri


def ui_command() -> str:
    """The command that shows this store in MLflow's web UI. MLflow 3's server refuses a file
    store unless asked (MLFLOW_ALLOW_FILE_STORE), which genlab's default ./mlruns is."""
    uri = tracking_uri()
    optin = "MLFLOW_ALLOW_FILE_STORE=true " if uri.startswith("file:") or "://" not in uri else ""
    return f"{optin}mlflow ui --backend-store-uri {uri}"


def create_experiment(name: str) -> None:
    """Create the MLflow experiment once, in the process that starts the trials: trials that
    log at the same moment would otherwise each create one of that name (the file store does
    not lock), and the runs of all but one would be lost from it."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=tracking_uri())
    if client.get_experiment_by_name(name) is None:
        client.create_experiment(name)


def _name(text: str) -> str:
    """MLflow names allow letters, digits, _ - . / and spaces."""
    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", text)[:250]


def _params(node, prefix: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        return {k: v for key, child in node.items() for k, v in _params(child, f"{prefix}.{key}" if prefix else str(key)).items()}
    if isinstance(node, list) and node and all(isinstance(m, dict) and "name" in m for m in node):
        return {k: v for m in node for k, v in _params({x: y for x, y in m.items() if x != "name"},
                                                        f"{prefix}.{m['name']}").items()}
    return {_name(prefix): str(node)[:MAX_PARAM]}


def _epoch_metrics(model: str, records: list[dict]) -> list[tuple[str, float, int]]:
    """(model/train_loss, value, epoch) ...: extra numbers (per-epoch FID) under their own name."""
    from genlab.report.export import epoch_table

    table = epoch_table(records)
    names = [_name(f"{model}/{col.split('.', 1)[1] if col.startswith('extra.') else col.replace('.', '_', 1)}")
             for col in table.header[1:]]
    return [(name, float(value), int(row[0])) for row in table.rows
            for name, value in zip(names, row[1:]) if value is not None]


def log_run(run_path: Path, run_name: str | None = None, experiment: str | None = None) -> str:
    """Log the run folder as one MLflow run (under `experiment`, else $GENLAB_MLFLOW_EXPERIMENT,
    else genlab-STUDY); returns its run id. Any finished run folder can be logged, at any time
    (`genlab log RUN --mlflow`)."""
    import mlflow
    from mlflow.entities import Metric, Param

    from genlab import run_record

    run_path = Path(run_path).resolve()
    record = run_record.read_run(run_path)
    mlflow.set_tracking_uri(tracking_uri())
    experiment = experiment or os.environ.get(EXPERIMENT_ENV) or f"genlab-{record.config.get('study', 'study')}"
    experiment_id = mlflow.set_experiment(experiment).experiment_id
    client = mlflow.MlflowClient()
    run = client.create_run(experiment_id, run_name=run_name or run_path.name,
                            tags={"genlab.run_folder": str(run_path), "genlab.study": str(record.config.get("study"))})
    run_id = run.info.run_id
    params = [Param(k, v) for k, v in _params(record.config).items()]
    metrics = []
    for name in record.models:
        metrics += _epoch_metrics(name, atomic.read_jsonl(run_path / "models" / name / "metrics.jsonl")
                                  if (run_path / "models" / name / "metrics.jsonl").is_file() else [])
    metrics += [(_name(f"{model or 'run'}/{metric}"), value, 0) for model, metric, value in run_record.flatten(record)]
    for i in range(0, len(params), 100):  # MLflow's batch limits
        client.log_batch(run_id, params=params[i:i + 100])
    stamped = [Metric(key, value, 0, step) for key, value, step in metrics]
    for i in range(0, len(stamped), 1000):
        client.log_batch(run_id, metrics=stamped[i:i + 1000])
    client.log_artifact(run_id, str(run_path / "report.html"))
    if (run_path / "figures").is_dir():
        client.log_artifacts(run_id, str(run_path / "figures"), "figures")
    client.set_terminated(run_id)
    return run_id

"""`--mlflow` against a real local MLflow file store, read back with mlflow's own client:
each trial of a two-seed experiment is one MLflow run holding the resolved config as params,
every model's per-epoch losses (step = epoch), the final numbers and the report."""
from __future__ import annotations

import pytest

from cli_helpers import run_cli

mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed (uv sync --extra mlflow)")

CONV = ["--set", "data.train_subset=400", "--set", "data.val_size=200", "--set", "data.test_subset=300",
        "--set", "train.epochs=2", "--set", "analysis.tsne.points=60", "--set", "analysis.frozen_classifiers.probe_train_size=300",
        "--set", "analysis.noise_robustness.images=100", "--set", "analysis.noise_robustness.factors=[0.0,0.5,1.0]",
        "--set", "analysis.frozen_classifiers.head.epochs=2", "--set", "analysis.frozen_classifiers.head.hidden=[32]"]


def test_trials_are_logged_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 asks readers of a file store to opt in
    store = (tmp_path / "mlruns").as_uri()
    out = tmp_path / "exp"
    result = run_cli("run", "conv", "--quick", "--seeds", "2", "--jobs", "2", "--device", "cpu", "--mlflow",
                     "--out", str(out), *CONV, env={"MLFLOW_TRACKING_URI": store})
    assert result.returncode == 0, result.stderr[-3000:]
    client = mlflow.MlflowClient(tracking_uri=store)
    experiment = client.get_experiment_by_name("genlab-exp")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.info.run_name for r in runs) == ["seed0", "seed1"]
    for run in runs:
        seed = int(run.info.run_name[4:])
        assert run.data.params["seed"] == str(seed) and run.data.params["models.ae.model"] == "conv_ae"
        assert run.info.status == "FINISHED"
        history = client.get_metric_history(run.info.run_id, "ae/train_loss")
        assert sorted(m.step for m in history) == [1, 2]
        assert 0 < run.data.metrics["ae/frozen_classifiers_head.test_metrics.accuracy"] <= 1
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert "report.html" in artifacts and "figures" in artifacts
        assert run.data.tags["genlab.run_folder"].endswith(f"trials/seed{seed}")


@pytest.mark.parametrize("uri", ["bogus://nowhere", "http://127.0.0.1:9/"])
def test_unusable_store_is_refused_before_the_run(uri, tmp_path, monkeypatch, capsys):
    from genlab import cli

    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    assert cli.main(["run", "conv", "--quick", "--mlflow", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("genlab: error: --mlflow: cannot use the MLflow store"), err
    assert not (tmp_path / "run").exists()

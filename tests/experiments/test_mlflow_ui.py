"""`genlab log RUN --mlflow` logs a run written earlier, and the `mlflow ui` command it prints
starts MLflow's web server on that store and lists the run (MLflow 3's server refuses a file
store unless the command opts in)."""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cli_helpers import run_cli

mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed (uv sync --extra mlflow)")
pytest.importorskip("flask", reason="mlflow ui needs the full mlflow package, not mlflow-skinny")

TINY = ["--set", "data.train_subset=300", "--set", "data.val_size=100", "--set", "data.test_subset=200",
        "--set", "train.epochs=1", "--set", "analysis.tsne.enabled=false",
        "--set", "analysis.frozen_classifiers.enabled=false", "--set", "analysis.noise_robustness.enabled=false"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runs_listed(port: int, deadline: float) -> list[dict]:
    """The runs the server lists, polled until it answers (it takes seconds to start)."""
    body = json.dumps({"max_results": 10}).encode()
    while True:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/ajax-api/2.0/mlflow/experiments/search", body,
                                         {"Content-Type": "application/json"})
            ids = [e["experiment_id"] for e in json.load(urllib.request.urlopen(req, timeout=5))["experiments"]]
            req = urllib.request.Request(f"http://127.0.0.1:{port}/ajax-api/2.0/mlflow/runs/search",
                                         json.dumps({"experiment_ids": ids}).encode(), {"Content-Type": "application/json"})
            return json.load(urllib.request.urlopen(req, timeout=5)).get("runs", [])
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.mark.slow
def test_logged_run_is_shown_by_the_printed_mlflow_ui_command(tmp_path):
    run = tmp_path / "run"
    done = run_cli("run", "conv", "--quick", "--device", "cpu", "--no-progress", "--out", str(run), *TINY)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_ALLOW_FILE_STORE"}  # as a user's shell has it
    logged = run_cli("log", str(run), "--mlflow", env={"MLFLOW_TRACKING_URI": (tmp_path / "mlruns").as_uri()})
    assert logged.returncode == 0, logged.stderr[-3000:]
    command = logged.stderr.split("see them with `")[1].split("`")[0]
    assert "mlflow ui --backend-store-uri file://" in command, command
    words = shlex.split(command)
    optin = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    args = [w for w in words if w not in {f"{k}={v}" for k, v in optin.items()}]
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name(args[0])), *args[1:], "--port", str(port)],
                              env={**env, **optin}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        listed = _runs_listed(port, time.monotonic() + 180)
        assert len(listed) == 1 and listed[0]["info"]["status"] == "FINISHED", listed
        tags = {t["key"]: t["value"] for t in listed[0]["data"]["tags"]}
        assert tags["genlab.run_folder"] == str(run.resolve()), tags
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the workers it started
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # uvicorn's workers shut down slowly on a busy machine
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

"""genlab installed as a user installs it: the wheel built from this tree (`uv build`), installed
with pip into a fresh virtual environment of another Python (3.12, Colab's), runs
`genlab run dense --quick` at a tiny setting from outside the source tree.

Run by scripts/test.sh with GENLAB_WHEEL_PYTHON set to a Python 3.12 interpreter (skipped
otherwise: it takes minutes and downloads packages). torch for that venv: the version this
environment runs, put in by uv (from uv's cache, which test.sh's 3.12 environment filled; a
plain `pip install torch` would fetch the same wheel from PyPI), then pip installs the wheel
and resolves every other dependency itself.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = os.environ.get("GENLAB_WHEEL_PYTHON", "")
TINY = ["--set", "data.train_subset=400", "--set", "data.val_size=100", "--set", "data.test_subset=200",
        "--set", "train.epochs=1", "--set", "analysis.generation.samples=200",
        "--set", "analysis.generation.epoch_fid_n=100", "--set", "analysis.latent_2d.scatter_points=200"]
# no feature_net override: the run must find the shipped FID network (fmnist-v1) inside the installed wheel

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PYTHON, reason="GENLAB_WHEEL_PYTHON not set (scripts/test.sh "
                                                                   "sets it to a Python 3.12)"),
              pytest.mark.timeout(3600)]


def _run(cmd: list[str], cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_wheel_runs_dense_quick_in_a_fresh_venv(tmp_path):
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on this machine (scripts/setup.sh installs it)")
    _run([uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT)], ROOT)
    wheel = next((tmp_path / "dist").glob("genlab-*.whl"))
    venv = tmp_path / "venv"
    _run([PYTHON, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    assert _run([str(python), "-c", "import sys; print(sys.version)"], tmp_path).startswith(
        os.environ.get("GENLAB_WHEEL_PYTHON_VERSION", "3.12"))
    _run([uv, "pip", "install", "--python", str(python), f"torch=={metadata.version('torch')}"], tmp_path)
    _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = _run([str(python), "-c", "import genlab; print(genlab.__file__)"], tmp_path, env)
    assert str(venv) in where and str(ROOT) not in where  # the installed wheel, not this tree
    out = _run([str(venv / "bin" / "genlab"), "run", "dense", "--quick", "--out", "run", "--no-progress", *TINY],
               tmp_path, env)
    report = tmp_path / "run" / "report.html"
    assert report.is_file(), out
    assert "Findings" in report.read_text(encoding="utf-8")
    assert "fmnist-v1" in report.read_text(encoding="utf-8")  # the shipped network, from the wheel's package data
    help_text = _run([str(venv / "bin" / "genlab"), "--help"], tmp_path, env)
    assert "genlab studies" in help_text

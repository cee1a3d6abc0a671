"""Signals at any moment (issue 23, item 6): two SIGTERMs 10 ms apart end a run with one clean
line and exit 130 — never "Exception ignored in atexit", never a traceback, never status -15;
during start-up nothing is left behind; during training the folder is left resumable and
`--resume` gives the uninterrupted numbers."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from run_helpers import TINY, genlab, interrupt, numbers


@pytest.fixture(scope="module")
def study():
    folder = Path(tempfile.mkdtemp(prefix="genlab-signals-"))
    (folder / "tiny.yaml").write_text(TINY)
    yield folder / "tiny.yaml"
    shutil.rmtree(folder, ignore_errors=True)


def clean(code: int, stderr: str) -> None:
    assert code == 130, (code, stderr[-2000:])
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr[-2000:]
    assert stderr.strip().splitlines()[-1] == "genlab: interrupted", stderr[-2000:]


@pytest.mark.parametrize("when", [0.5, 1.5, 3.0, 4.5, "genlab: run folder"])
def test_two_sigterms_during_start_up_leave_nothing(study, tmp_path, when):
    out = tmp_path / "run"
    clean(*interrupt(out, study, when))
    assert not out.exists()


def test_two_sigterms_during_training_leave_a_folder_resume_finishes(study, tmp_path):
    reference = tmp_path / "reference"
    assert genlab("run", study, "--out", reference).returncode == 0
    out = tmp_path / "run"
    clean(*interrupt(out, study, "epoch 1/"))
    assert (out / "config.yaml").is_file() and not list(out.rglob("*.tmp"))
    assert not list(out.glob(".genlab.lock")), "the lock is released"
    assert genlab("run", study, "--out", out, "--resume").returncode == 0
    assert numbers(out) == numbers(reference)

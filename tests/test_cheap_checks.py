"""Checks that need neither torch nor data come first (issue 23, item 8): the second-writer
lock, devices, paths; kitti's weights file and analysis.split before any scene is written.
Each is one line, exit 2, nothing left behind; the torch-free ones import no torch."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from cli_helpers import ROOT

PROBE = ("import json, sys, time; t = time.perf_counter(); from genlab import cli; code = cli.main(sys.argv[1:]); "
         "print(json.dumps({'code': code, 'torch': 'torch' in sys.modules, 's': time.perf_counter() - t}))")


def probe(*args) -> tuple[dict, str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True,
                            cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def one_line(err: str, fragment: str) -> None:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("genlab: error: ") and fragment in lines[0], err


def held_lock(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.yaml").write_text("study: dense\n")
    (out / ".genlab.lock").write_text(f"{os.getpid()}\n")  # this test process: alive
    return out


@pytest.mark.parametrize("case", ["lock", "lock-new", "data-dir", "cuda"])
def test_torch_free_checks_answer_without_importing_torch(tmp_path, case):
    if case == "cuda" and (any(p.startswith("nvidia") for p in os.listdir("/dev")) or os.path.exists("/dev/kfd")):
        pytest.skip("a GPU is visible here")
    args, fragment = {
        "lock": (["run", "dense", "--quick", "--out", held_lock(tmp_path) if case == "lock" else "", "--resume"],
                 f"by process {os.getpid()}"),
        "lock-new": (["run", "dense", "--quick", "--out", held_lock(tmp_path) if case == "lock-new" else ""],
                     f"by process {os.getpid()}"),
        "data-dir": (["run", "dense", "--data-dir", tmp_path / "nowhere", "--out", tmp_path / "r"], "no such file"),
        "cuda": (["run", "dense", "--device", "cuda", "--out", tmp_path / "r"], "no CUDA GPU is visible"),
    }[case]
    start = time.perf_counter()
    outcome, err = probe(*args)
    one_line(err, fragment)
    assert outcome["code"] == 2 and not outcome["torch"], outcome
    print(f"{case}: {outcome['s']:.2f} s in genlab, {time.perf_counter() - start:.2f} s with Python's start (noisy)")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("override,fragment", [
    ("analysis.split=1.5", "analysis.split must be between 0 and 1"),
    ("models.transfer.params.weights=/nowhere/yolo.pt", "models.transfer.params.weights='/nowhere/yolo.pt': no such file"),
])
def test_kitti_refuses_before_writing_anything(tmp_path, override, fragment):
    outcome, err = probe("run", "kitti", "--quick", "--set", override, "--out", tmp_path / "r", "--no-progress")
    one_line(err, fragment)
    assert outcome["code"] == 2 and not (tmp_path / "r").exists()

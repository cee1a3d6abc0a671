"""Kill -9, `--resume`, and every number equals the uninterrupted run's — through the real CLI,
where the trainer-level test (test_resume_anywhere.py, every registry model cut at every epoch)
cannot reach (issue 23): the conv study cut inside its frozen-encoder classifiers, the kitti
study cut while a detector trains, and an experiment whose parent process is killed while a
trial trains (its trial dies with it; the resumed experiment retrains that trial)."""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import ROOT, run_cli
from run_helpers import TINY

# what a resumed run may measure differently: clocks, speeds, and whether it was resumed
TIMING = re.compile(r"(_s|_s_per_1000|wall|seconds|per_s|time_over_floor|resumed|date|started|finished|duration|pid)$")

CONV = ["--set", "data.train_subset=300", "--set", "data.val_size=100", "--set", "data.test_subset=200",
        "--set", "train.epochs=1", "--set", "analysis.tsne.enabled=false",
        "--set", "analysis.noise_robustness.images=50", "--set", "analysis.noise_robustness.factors=[0.0,1.0]",
        "--set", "analysis.frozen_classifiers.probe_train_size=200",
        "--set", "analysis.frozen_classifiers.head.epochs=3", "--set", "analysis.frozen_classifiers.head.hidden=[16]"]
KITTI = [f"--set={s}" for s in ("analysis.synth_n=10", "analysis.synth_pretrain_n=8", "analysis.synth_size=192x58",
                                 "analysis.draw_images=1", "train.epochs=2", "train.batch_size=4",
                                 *(f"models.{m}.params.imgsz=64" for m in ("pretrain", "scratch", "transfer")))]


def killed(args: list[str], marker: str, delay: float = 0.0, group: bool = True) -> str:
    """`genlab ARGS` killed with SIGKILL `delay` seconds after a stderr line holds `marker`
    (its whole process group, or only the process); its stderr so far."""
    process = subprocess.Popen([sys.executable, "-m", "genlab", *args, "--no-progress"], stderr=subprocess.PIPE,
                               text=True, cwd=ROOT, start_new_session=True)
    seen = []
    for line in process.stderr:
        seen.append(line)
        if marker in line:
            time.sleep(delay)
            os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
            break
    process.wait(timeout=600)
    text = "".join(seen)
    assert marker in text and process.returncode == -signal.SIGKILL, (process.returncode, text[-3000:])
    return text


def flat(node, prefix: str = "") -> dict:
    """path → value of every leaf of a JSON document, timing leaves left out."""
    if isinstance(node, dict):
        return {k: v for key, child in node.items() if not TIMING.search(str(key))
                for k, v in flat(child, f"{prefix}/{key}").items()}
    if isinstance(node, list):
        return {k: v for i, child in enumerate(node) for k, v in flat(child, f"{prefix}[{i}]").items()}
    return {prefix: node}


def numbers(run: Path) -> dict:
    """Every number genlab wrote into a run folder's JSON files, its own path replaced."""
    out = {}
    for file in sorted(run.rglob("*.json*")):
        rel = file.relative_to(run).as_posix()
        if file.name == "environment.json" or rel.startswith("data/") or "/ultralytics/" in rel:
            continue
        text = file.read_text().replace(str(run.resolve()), "<run>").replace(str(run), "<run>")
        docs = [json.loads(line) for line in text.splitlines() if line.strip()] if file.suffix == ".jsonl" \
            else [json.loads(text)]
        for i, doc in enumerate(docs):
            out.update({f"{rel}#{i}{k}": v for k, v in flat(doc).items()})
    return out


def same(resumed: dict, reference: dict) -> None:
    assert resumed.keys() == reference.keys(), sorted(resumed.keys() ^ reference.keys())[:20]
    differ = {k: (resumed[k], reference[k]) for k in reference if resumed[k] != reference[k]}
    assert not differ, list(differ.items())[:20]


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("study") / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_conv_cut_inside_a_frozen_encoder_classifier(tmp_path):
    reference, out = tmp_path / "reference", tmp_path / "run"
    result = run_cli("run", "conv", "--quick", "--out", str(reference), "--no-progress", *CONV)
    assert result.returncode == 0, result.stderr[-3000:]
    killed(["run", "conv", "--quick", "--out", str(out), *CONV], "classifier vae epoch 2/")
    assert not (out / "classifiers" / "vae" / "summary.json").exists(), "cut before the head finished"
    result = run_cli("run", "conv", "--quick", "--out", str(out), "--resume", "--no-progress", *CONV)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "classifier ae epoch" not in result.stderr  # the finished head is read back, not retrained
    same(numbers(out), numbers(reference))


def test_kitti_cut_while_a_detector_trains(tmp_path):
    reference, out = tmp_path / "reference", tmp_path / "run"
    result = run_cli("run", "kitti", "--out", str(reference), "--device", "cpu", "--no-progress", *KITTI)
    assert result.returncode == 0, result.stderr[-3000:]
    killed(["run", "kitti", "--out", str(out), "--device", "cpu", *KITTI], "scratch: training", delay=2.0)
    result = run_cli("run", "kitti", "--out", str(out), "--resume", "--device", "cpu", "--no-progress", *KITTI)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "pretrain: already trained" in result.stderr
    same(numbers(out), numbers(reference))


def _results(experiment: Path) -> list[dict]:
    with open(experiment / "results.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_experiment_whose_parent_is_killed_while_a_trial_trains(tiny_study, tmp_path):
    reference, out = tmp_path / "reference", tmp_path / "exp"
    args = ["run", str(tiny_study), "--seeds", "2", "--jobs", "1"]
    result = run_cli(*args, "--out", str(reference), "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    killed([*args, "--out", str(out)], "1/2 done, 1 running", delay=1.0, group=False)
    result = run_cli(*args, "--out", str(out), "--resume", "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "failed" not in result.stderr.replace("0 failed", "")
    assert _results(out) == _results(reference)
    for trial in ("seed0", "seed1"):
        same(numbers(out / "trials" / trial), numbers(reference / "trials" / trial))

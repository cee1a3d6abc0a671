"""Faults around a run folder: a damaged checkpoint, two writers, damaged files read by
`report`/`evaluate`/`sample`, an unusable --out, resume after a changed study file, and
non-finite numbers in KITTI labels. Each ends in one line (or a recovery), no traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from genlab import cli, registry
from genlab.config import ModelSpec, TrainConfig, load_study, to_dict
from genlab.engine import checkpoint
from genlab.engine.trainer import TrainerOptions, fit
from genlab.runs import LOCK_NAME, ModelDir, prepare
from cli_helpers import Ran
from run_helpers import damages
from trainer_helpers import StopAt, random_data

sys.path.insert(0, str(Path(__file__).parent / "detect"))
from kitti_helpers import line, make_kitti  # noqa: E402




def one_error(capsys, code: int, fragment: str = "") -> str:
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("genlab: error: "), (code, err)
    assert fragment.lower() in lines[0].lower(), lines[0]
    return lines[0]


# ------------------------------------------------------------ checkpoints

@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_damaged_newest_checkpoint_falls_back_to_the_older_one(tmp_path, capsys, damage):
    data = random_data(128, 32, 32)
    spec = ModelSpec(name="m", model="dense_ae", params={"latent_dim": 4},
                     train=TrainConfig(epochs=3, batch_size=32, tensorboard=False, keep_checkpoints=5))
    options = TrainerOptions(progress=False)
    full, cut = ModelDir(tmp_path / "full"), ModelDir(tmp_path / "cut")
    fit(spec, data, full, 0, options, shape=(1, 28, 28), classes=10)
    with pytest.raises(KeyboardInterrupt):
        fit(spec, data, cut, 0, options, (StopAt(3),), shape=(1, 28, 28), classes=10)
    newest = checkpoint.existing(cut.checkpoints)[-1]
    assert newest.name == "epoch_002.pt"
    blob = newest.read_bytes()
    newest.write_bytes(b"" if damage == "empty" else blob[: len(blob) // 2])
    capsys.readouterr()
    fit(spec, data, cut, 0, TrainerOptions(progress=False, resume=True), shape=(1, 28, 28), classes=10)
    assert "epoch_002.pt is unreadable" in capsys.readouterr().err
    assert [r["epoch"] for r in cut.read_metrics()] == [1, 2, 3]
    a, b = registry.load_trained(full).state_dict(), registry.load_trained(cut).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a), "resuming from epoch 1 gives the uninterrupted weights"


# ------------------------------------------------------------ the lock

def quick_run(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    run = prepare(out, to_dict(load_study("dense", quick=True)), resume=False)
    (run.path / LOCK_NAME).unlink()  # as a finished or killed process leaves it: unlocked
    return out


def test_second_writer_refused_and_stale_lock_taken_over(tmp_path, capsys, stop_before_training):
    out = quick_run(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / LOCK_NAME).write_text(f"{holder.pid}\n")
        code = cli.main(["run", "dense", "--quick", "--out", str(out), "--resume", "--no-progress"])
        one_error(capsys, code, f"being written by process {holder.pid}")
    finally:
        holder.kill()
        holder.wait()
    with pytest.raises(Ran):  # its process is gone: the lock is stale and taken over
        cli.main(["run", "dense", "--quick", "--out", str(out), "--resume", "--no-progress"])
    assert (out / "config.yaml").is_file(), "a resumed folder is never removed"
    assert not (out / LOCK_NAME).exists(), "the lock is released when the process ends"


def test_resume_names_changed_keys_and_whether_safe(tmp_path, capsys, stop_before_training):
    out = quick_run(tmp_path)
    code = cli.main(["run", "dense", "--quick", "--out", str(out), "--resume", "--set", "models.ae2.train.lr=0.01",
                     "--set", "seed=4"])
    message = one_error(capsys, code, "models.ae2.train.lr")
    assert "seed" in message and "not safe" in message
    with pytest.raises(Ran):
        cli.main(["run", "dense", "--quick", "--out", str(out), "--resume", "--set", "title=Other"])
    assert "title" in capsys.readouterr().err
    assert yaml.safe_load((out / "config.yaml").read_text())["title"] == "Other"


# ------------------------------------------------------------ damaged run folders

DAMAGE = damages("ae2")


@pytest.mark.parametrize("command", ["report", "evaluate", "sample"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_commands_on_damaged_run_folders(tmp_path, capsys, command, damage):
    out = quick_run(tmp_path)
    name, content = DAMAGE[damage]
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(content)
    args = {"report": ["report", str(out)], "evaluate": ["evaluate", str(out), "--n", "10"],
            "sample": ["sample", str(out), "--model", "ae2", "--n", "4", "--out", str(tmp_path / "s.npz")]}[command]
    one_error(capsys, cli.main(args), Path(name).name)


def test_report_on_a_folder_that_is_no_run(tmp_path, capsys):
    one_error(capsys, cli.main(["report", str(tmp_path)]), "no config.yaml")


# ------------------------------------------------------------ --out

def test_unusable_out(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("precious")
    for out, fragment in [(a_file, "existing file"), (a_file / "sub", "is a file"), (Path("/proc/genlab-x"), "cannot create")]:
        if str(out).startswith("/proc") and not Path("/proc/self").exists():
            continue
        one_error(capsys, cli.main(["run", "dense", "--quick", "--out", str(out)]), fragment)
    assert a_file.read_text() == "precious"
    out = quick_run(tmp_path)
    one_error(capsys, cli.main(["sample", str(out), "--model", "ae2", "--out", str(tmp_path)]), "is a folder")


# ------------------------------------------------------------ KITTI labels

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_kitti_convert_rejects_non_finite_numbers(tmp_path, capsys, value):
    good = line("Car", (1, 1, 9, 9))
    bad = good.replace(" 1 1 9 9 ", f" 1 {value} 9 9 ")
    root = make_kitti(tmp_path / "k", {"a": ((50, 20), good), "b": ((50, 20), good + bad)})
    code = cli.main(["kitti", "convert", str(root), str(tmp_path / "out")])
    message = one_error(capsys, code, "b.txt:2")
    assert "finite" in message and value in message
    assert not (tmp_path / "out").exists()

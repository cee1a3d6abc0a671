"""`--device 0,1`: several GPUs go to ultralytics' own DDP launcher (kitti); the path is
tested here without a GPU — refused in one line where the GPUs are missing or the study
trains on one device, handed through unchanged where they are present."""
from __future__ import annotations

import pytest
import torch

from genlab import cli
from genlab.engine.device import gpu_list, select_device
from genlab.errors import GenlabError


@pytest.mark.parametrize("text,expected", [("0,1", [0, 1]), ("2,3,5", [2, 3, 5]), ("0", None), ("cuda", None),
                                           ("0,", None), ("a,b", None), ("0,1,", None)])
def test_gpu_list(text, expected):
    assert gpu_list(text) == expected


def test_missing_gpus_are_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(GenlabError, match="needs 2 distinct GPUs"):
        select_device("0,1")


def test_ultralytics_gets_the_gpu_list(monkeypatch):
    pytest.importorskip("ultralytics")
    from genlab.detect.yolo import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("0,1") == "0,1"
    with pytest.raises(GenlabError, match="numbered below the 2"):
        resolve_device("1,2")


@pytest.mark.parametrize("argv,fragment", [
    (["run", "dense", "--device", "0,1"], "several GPUs are for the kitti study"),
    (["run", "conv", "--device", "0,1"], "several GPUs are for the kitti study"),
    (["run", "kitti", "--device", "0,1"], "needs 2 distinct GPUs"),
    (["run", "kitti", "--device", "0,0"], "a GPU is named twice"),
    (["run", "kitti", "--device", "0;1"], "GPU indices such as 0,1"),
    (["run", "dense", "--seeds", "2", "--device", "0,1"], "trials get one GPU each"),
])
def test_cli_refuses_in_one_line(argv, fragment, tmp_path, capsys, monkeypatch):
    """As on a machine with GPU device files whose GPUs torch cannot use (the checks past the cheap one)."""
    from genlab.cli import run_cmd

    monkeypatch.setattr(run_cmd, "_gpu_device_files", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert cli.main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("device", ["0,1", "cuda", "2,3,5"])
def test_no_gpu_device_files_is_answered_before_torch(device, tmp_path, capsys, monkeypatch):
    from genlab.cli import run_cmd

    monkeypatch.setattr(run_cmd, "_gpu_device_files", lambda: False)
    assert cli.main(["run", "dense", "--device", device, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no CUDA GPU is visible" in err[0], err
    assert not (tmp_path / "out").exists()

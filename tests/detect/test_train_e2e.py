"""A tiny end-to-end kitti study: synthetic data, pretraining, scratch and transfer
training (1 epoch each, imgsz 64), evaluation, figures, report, `genlab detect eval`."""
from __future__ import annotations

import json

import pytest

from genlab.cli import main
from genlab.config import load_study
from genlab.runs import RunDir
from genlab.studies.base import Runtime
from genlab.studies.runner import run_study

TINY = ["analysis.synth_n=10", "analysis.synth_pretrain_n=8", "analysis.synth_size=192x58", "analysis.draw_images=2",
        "train.epochs=1", "train.batch_size=4"] + [f"models.{m}.params.imgsz=64" for m in ("pretrain", "scratch", "transfer")]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> RunDir:
    cfg = load_study("kitti", TINY)
    return run_study(cfg, tmp_path_factory.mktemp("kitti") / "run", Runtime(device="cpu", progress=False))


def test_study_trains_scratch_and_from_checkpoint(tiny_run):
    metrics = tiny_run.read_metrics()["kitti"]
    assert metrics["data"]["synthetic"] and metrics["data"]["classes"] == ["Car"]
    models = metrics["models"]
    assert models["scratch"]["weights_from"].startswith("scratch")
    assert "'pretrain'" in models["transfer"]["weights_from"]
    for name in ("pretrain", "scratch", "transfer"):
        assert tiny_run.model(name).final.is_file() and models[name]["wall_s"] > 0
    for name in ("scratch", "transfer"):
        e = json.loads((tiny_run.model(name).path / "eval" / "metrics.json").read_text())
        assert set(e["ultralytics"]) == {"precision", "recall", "map50", "map50_95"}
        assert set(e["kitti"]["Car"]["ap_r40"]) == {"easy", "moderate", "hard"}
        assert 0 <= e["coco"]["map50_95"] <= 1


def test_report_has_the_study_sections(tiny_run):
    html = tiny_run.report.read_text()
    for needle in ("Results beside Bastos &amp; Cordeiro, 2024 (table 6, real KITTI)", "COCO-style cross-check", "KITTI official evaluation",
                   "SYNTHETIC KITTI-format scenes", "Wall time", "figures/kitti_predictions.png"):
        assert needle in html
    assert "Figure missing" not in html


def test_detect_eval_cli(tiny_run, capsys):
    assert main(["detect", "eval", str(tiny_run.path), "--kitti", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "scratch" in out and "transfer" in out and "Moderate" in out


def test_transfer_from_a_checkpoint_path(tiny_run, tmp_path):
    """Any ultralytics checkpoint by path, here the tiny run's own pretrained weights."""
    from genlab.detect import yolo

    dataset = tiny_run.path / "data" / "target" / "dataset.yaml"
    hyper = {"epochs": 1, "batch": 4, "imgsz": 64, "lr0": 0.001, "val": False, "workers": 0, "plots": False}
    result = yolo.train(yolo.TrainArgs(data=dataset, project=tmp_path / "ft", hyper=hyper, device="cpu",
                                       weights=str(tiny_run.model("pretrain").final)))
    assert (tmp_path / "ft" / "ultralytics" / "weights" / "last.pt").is_file() and result["device"] == "cpu"


def test_missing_weights_is_a_clear_error(tmp_path):
    from genlab.detect import yolo
    from genlab.errors import GenlabError

    with pytest.raises(GenlabError, match="not a file"):
        yolo.load_model("yolov5s.yaml", str(tmp_path / "none"))

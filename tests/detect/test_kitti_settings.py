"""Every key of the kitti study file is honoured or refused: train keys that ultralytics
cannot use fail in preflight with one line, used ones reach ultralytics' arguments, and
a run with changed settings reports the changed values (not the shipped ones)."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from cli_helpers import assert_clean_error, run_cli
from genlab.cli import main
from genlab.config import load_study
from genlab.detect.options import model_params
from genlab.detect.train_recipe import accumulation, ultralytics_args
from genlab.errors import GenlabError
from genlab.studies import get_study


def _preflight(*overrides: str):
    config = load_study("kitti", list(overrides))
    get_study("kitti").preflight(config)
    return config


def _args(*overrides: str, model: str = "scratch") -> dict:
    spec = _preflight(*overrides).model(model)
    return ultralytics_args(spec, model_params(spec), seed=0)


@pytest.mark.parametrize("override, needle", [
    ("train.steps={critic: 5}", "train.steps (model 'pretrain') is not used by the kitti study"),
    ("train.eval_batch_size=64", "train.eval_batch_size (model 'pretrain') is not used by the kitti study"),
    ("train.keep_checkpoints=5", "train.keep_checkpoints (model 'pretrain') is not used by the kitti study"),
    ("train.schedule=onecycle", "train.schedule=onecycle"),
    ("train.momentum=0.8", "train.momentum (model 'pretrain') is for sgd"),
    ("train.betas=[0.9, 0.99]", "second beta"),
    ("models.scratch.params.optimizer=SGD", "set train.optimizer"),
])
def test_unused_train_keys_are_refused(override, needle):
    with pytest.raises(GenlabError) as err:
        _preflight(override)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_sgd_refuses_betas():
    with pytest.raises(GenlabError, match="train.betas .* is for adam"):
        _preflight("train.optimizer=sgd", "train.betas=[0.5, 0.999]")


@pytest.mark.parametrize("override, needle", [("data.val_size=7", "data.val_size"),
                                              ("data.train_subset=10", "data.train_subset")])
def test_unused_data_keys_are_refused(override, needle):
    with pytest.raises(GenlabError, match=f"{needle} is not used by the kitti dataset"):
        load_study("kitti", [override])


def test_data_dir_is_one_clean_line(tmp_path):
    """--data-dir names the dataset's folder (data.root): for kitti a KITTI root, checked at once."""
    result = run_cli("run", "kitti", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"), timeout=120)
    assert_clean_error(result, "training/image_2 is missing")
    assert result.returncode == 2 and not (tmp_path / "run").exists()


def test_shipped_recipe_reaches_ultralytics():
    args = _args()
    assert (args["optimizer"], args["lr0"], args["batch"], args["epochs"]) == ("AdamW", 0.002, 8, 12)
    assert (args["momentum"], args["weight_decay"], args["cos_lr"], args["lrf"]) == (0.937, 0.0005, False, 0.01)


def test_changed_train_keys_reach_ultralytics():
    args = _args("train.optimizer=sgd", "train.betas=[0.9,0.999]", "train.momentum=0.8", "train.weight_decay=0.01", "train.schedule=constant",
                 "train.lr=0.05", "train.batch_size=16", "train.epochs=3")
    assert (args["optimizer"], args["momentum"], args["weight_decay"]) == ("SGD", 0.8, 0.01)
    assert (args["cos_lr"], args["lrf"], args["lr0"], args["batch"], args["epochs"]) == (False, 1.0, 0.05, 16, 3)
    adam = _args("train.optimizer=adam", "train.betas=[0.85, 0.999]", model="transfer")
    assert (adam["optimizer"], adam["momentum"]) == ("Adam", 0.85)  # ultralytics' momentum is Adam's beta1


# ---------------------------------------------------------------- one tiny run with changed settings

# train.epochs=1: the shipped quick trains 12 epochs, too long for a test
CHANGED = ["train.lr=0.0017", "train.batch_size=4", "train.epochs=1", "train.weight_decay=0.0003", "train.schedule=constant",
           "analysis.synth_n=10", "analysis.synth_pretrain_n=8", "analysis.synth_size=192x58", "analysis.draw_images=1"]
CHANGED += [f"models.{m}.params.imgsz=64" for m in ("pretrain", "scratch", "transfer")]


@pytest.fixture(scope="module")
def changed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("kitti-settings") / "run"
    sets = [a for item in CHANGED for a in ("--set", item)]
    result = run_cli("run", "kitti", "--quick", "--out", str(out), "--device", "cpu", "--threads", "1",
                     "--no-progress", *sets, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_report_states_the_changed_settings(changed_run):
    html = (changed_run / "report.html").read_text()
    text = re.sub(r"<[^>]+>", " ", html)
    assert "lr0 0.0017" in text and re.search(r"batch 4\b", text) and "1 epoch(s)" in text
    assert "weight decay 0.0003" in text and ", constant" in text
    for shipped in (r"lr0 0\.00[123](?![0-9])", r"batch 8\b", r"12 epoch\(s\)", r"weight decay 0\.0005", "linear decay"):
        assert not re.search(shipped, text), shipped
    evals = [json.loads((changed_run / "models" / m / "eval" / "metrics.json").read_text()) for m in ("scratch", "transfer")]
    if max(e["ultralytics"]["map50_95"] for e in evals) < 0.005:  # the verdict follows the numbers
        assert "too small to say whether transfer learning helps" in text and " beats " not in text


def test_ultralytics_received_the_changed_settings(changed_run):
    args = yaml.safe_load((changed_run / "models" / "scratch" / "ultralytics" / "args.yaml").read_text())
    assert (args["lr0"], args["batch"], args["weight_decay"], args["lrf"], args["cos_lr"]) == (0.0017, 4, 0.0003, 1.0, False)
    summary = json.loads((changed_run / "models" / "scratch" / "summary.json").read_text())
    assert summary["ultralytics_args"]["lr0"] == 0.0017
    assert summary["accumulate"] == accumulation(4, 64, summary["train_images"], 1)


@pytest.mark.parametrize("argv", [["sample", "RUN", "--model", "scratch", "--out", "x.npz"], ["evaluate", "RUN"]])
def test_generative_commands_refuse_a_kitti_run(changed_run, capsys, argv):
    assert main([str(changed_run) if a == "RUN" else a for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "applies to runs of generative models" in err[0] and "detect eval" in err[0], err

"""Resources checked before training (issue 23, item 3): a batch the machine cannot hold is
refused in one line with the batch size that fits, instead of the kernel's OOM killer; sane
upper bounds on epochs and batch sizes; a run's folder records whether it is bit-reproducible."""
from __future__ import annotations

import pytest
import torch

from cli_helpers import Ran
from genlab import cli, registry
from genlab.config import TrainConfig
from genlab.engine import memory
from genlab.errors import GenlabError


@pytest.mark.parametrize("model,shape", [("conv_ae", (1, 28, 28)), ("dense_vae", (1, 28, 28)),
                                         ("dcgan", (3, 32, 32)), ("wgan_gp", (3, 32, 32))])
def test_every_model_is_estimated_on_the_meta_device(model, shape):
    est = memory.estimate(registry.build_meta(model, {}, shape=shape, classes=10), shape)
    assert est is not None and est.parameters > 0 and est.per_image > 0
    assert est.training(2000) > est.training(1000) > est.evaluation(1000)


def test_the_estimate_is_near_what_the_conv_step_takes():
    """conv_ae at 100,000 images: the OOM the issue saw took ≈ 20 GB."""
    shape = (1, 28, 28)
    est = memory.estimate(registry.build_meta("conv_ae", {}, shape=shape, classes=10), shape)
    assert 10e9 < est.training(100_000) < 40e9


def test_a_batch_that_cannot_fit_is_refused_with_one_that_does(monkeypatch):
    monkeypatch.setattr(memory, "available", lambda device: 2 * 10**9)
    shape = (1, 28, 28)
    method = registry.build_meta("conv_ae", {}, shape=shape, classes=10)
    with pytest.raises(GenlabError, match=r"models.ae.train.batch_size=50000 needs about .* GB .* at most (\d+)") as info:
        memory.check(method, shape, TrainConfig(batch_size=50_000), "models.ae", torch.device("cpu"))
    fits = int(str(info.value).rsplit(" ", 1)[1])
    memory.check(method, shape, TrainConfig(batch_size=fits, eval_batch_size=fits), "models.ae", torch.device("cpu"))


def test_the_cli_refuses_it_before_the_run_folder(tmp_path, capsys, monkeypatch, stop_before_training):
    monkeypatch.setattr(memory, "available", lambda device: 10**9)
    out = tmp_path / "run"
    code = cli.main(["run", "conv", "--quick", "--set", "train.batch_size=60000", "--out", str(out), "--no-progress"])
    lines = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "train.batch_size=60000 needs about" in lines[0], lines
    assert not out.exists()
    with pytest.raises(Ran):  # the same study at its own batch size fits
        cli.main(["run", "conv", "--quick", "--out", str(out), "--no-progress"])


def test_the_run_folder_says_whether_its_numbers_are_bit_reproducible(tmp_path):
    import json

    from genlab.studies.runner import record_reproducibility

    (tmp_path / "environment.json").write_text(json.dumps({"torch": "x"}))
    for name, same in (("a", True), ("b", False)):
        (tmp_path / "models" / name).mkdir(parents=True)
        rep = {"bit_reproducible": same, "why": f"because {name}", "threads": [2]}
        (tmp_path / "models" / name / "summary.json").write_text(json.dumps({"reproducible": rep}))
    record = record_reproducibility(tmp_path)
    env = json.loads((tmp_path / "environment.json").read_text())
    assert env["torch"] == "x" and env["reproducible"] == record
    assert record["bit_reproducible"] is False and record["models"]["b"]["why"] == "because b"


def test_conv_without_a_validation_split_is_refused_before_training(tmp_path, capsys, stop_before_training):
    """It used to fail after all training, in the frozen-encoder classifiers (torch.cat of nothing)."""
    out = tmp_path / "run"
    code = cli.main(["run", "conv", "--quick", "--set", "data.val_size=0", "--out", str(out), "--no-progress"])
    lines = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "data.val_size=0" in lines[0] and "enabled=false" in lines[0], lines
    assert not out.exists()
    with pytest.raises(Ran):  # the way out the line names
        cli.main(["run", "conv", "--quick", "--set", "data.val_size=0", "--set",
                  "analysis.frozen_classifiers.enabled=false", "--out", str(out), "--no-progress"])

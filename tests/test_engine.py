"""The training engine: resume equals uninterrupted, determinism, NaN stop, checkpoints."""
from __future__ import annotations

import json

import pytest
import torch

from genlab import registry
from genlab.config import ModelSpec, TrainConfig
from genlab.engine import checkpoint
from genlab.engine.trainer import TrainerOptions as Options, fit
from genlab.errors import GenlabError
from genlab.methods.base import Loss, Method
from genlab.runs import ModelDir
from trainer_helpers import StopAt, random_data


@pytest.fixture(scope="module")
def splits():
    return random_data()


def spec(model="dense_vae", epochs=3, **params):
    return ModelSpec(name="m", model=model, params=params,
                     train=TrainConfig(epochs=epochs, batch_size=32, tensorboard=False, keep_checkpoints=5))


def weights(model_dir: ModelDir) -> dict:
    return registry.load_trained(model_dir).state_dict()


@pytest.mark.parametrize("model", ["dense_vae", "dense_gan", "dense_dae"])  # random noise in each loss
def test_resume_after_interrupt_equals_uninterrupted(tmp_path, splits, model):
    full = ModelDir(tmp_path / "full")
    fit(spec(model), splits, full, 0, Options(progress=False), shape=(1, 28, 28), classes=10)
    cut = ModelDir(tmp_path / "cut")
    with pytest.raises(KeyboardInterrupt):
        fit(spec(model), splits, cut, 0, Options(progress=False), (StopAt(2),), shape=(1, 28, 28), classes=10)
    assert [p.name for p in checkpoint.existing(cut.checkpoints)] == ["epoch_001.pt"]
    fit(spec(model), splits, cut, 0, Options(progress=False, resume=True), shape=(1, 28, 28), classes=10)
    a, b = weights(full), weights(cut)
    assert all(torch.equal(a[k], b[k]) for k in a)
    epochs = [r["epoch"] for r in cut.read_metrics()]
    assert epochs == [1, 2, 3], "a resumed run keeps one metrics line per epoch"


def test_same_seed_same_result_other_seed_differs(tmp_path, splits):
    runs = [ModelDir(tmp_path / name) for name in ("a", "b", "c")]
    for run, seed in zip(runs, (0, 0, 1)):
        fit(spec(epochs=1), splits, run, seed, Options(progress=False), shape=(1, 28, 28), classes=10)
    a, b, c = (weights(r) for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_outputs_of_a_finished_model(tmp_path, splits):
    out = ModelDir(tmp_path / "m")
    summary = fit(spec(epochs=2), splits, out, 0, Options(progress=False), shape=(1, 28, 28), classes=10)
    records = [json.loads(line) for line in out.metrics.read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    assert {"loss", "reconstruction", "kl"} <= set(records[0]["train"]) and set(records[0]["val"]) == set(records[0]["train"])
    assert set(summary["final"]) == {"train", "val", "test"} and summary["train_time_s"] > 0
    assert out.is_done()


class NaNMethod(Method):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1))

    def loss(self, x, y, optimizer):
        return Loss(self.w.sum() * float("nan"))


def test_non_finite_loss_stops_with_clear_message(tmp_path, splits, monkeypatch):
    monkeypatch.setitem(registry.models(), "nan_model", registry.ModelEntry(lambda shape, classes: NaNMethod(), {}))
    with pytest.raises(GenlabError, match="loss became nan .* lower train.lr"):
        fit(spec("nan_model"), splits, ModelDir(tmp_path / "n"), 0, Options(progress=False), shape=(1, 28, 28), classes=10)


def test_keeps_only_newest_checkpoints(tmp_path, splits):
    s = spec(epochs=4)
    s.train.keep_checkpoints = 2
    out = ModelDir(tmp_path / "k")
    fit(s, splits, out, 0, Options(progress=False), shape=(1, 28, 28), classes=10)
    assert [p.name for p in checkpoint.existing(out.checkpoints)] == ["epoch_003.pt", "epoch_004.pt"]

"""The one trainer's options: optimisers, schedules, steps per optimiser, callbacks, timing."""
from __future__ import annotations

import pytest
import torch

from genlab import registry
from genlab.config import ModelSpec, TrainConfig
from genlab.data.splits import Features
from genlab.engine.callbacks import EarlyStopping, KeepBest
from genlab.engine.trainer import TrainData, TrainerOptions, fit, train
from genlab.errors import GenlabError
from genlab.methods.base import Loss, Method
from genlab.runs import ModelDir
from trainer_helpers import StopAt, random_data

QUIET = TrainerOptions(progress=False)


@pytest.fixture(scope="module")
def data():
    return random_data(128, 32, 32)


def spec(model="dense_ae", epochs=2, **train):
    return ModelSpec(name="m", model=model, params={"latent_dim": 4} if model != "dense_gan" else {"latent_dim": 8},
                     train=TrainConfig(epochs=epochs, batch_size=32, tensorboard=False, **train))


@pytest.mark.parametrize("optimizer,decoupled", [("adam", False), ("adamw", True), ("sgd", None)])
def test_each_optimizer_is_the_one_named(optimizer, decoupled):
    from genlab.engine.optim import make_optimizers

    method = registry.build("dense_gan", shape=(1, 28, 28), classes=10)
    opts = make_optimizers(method, TrainConfig(optimizer=optimizer, weight_decay=0.01))
    assert set(opts) == {"discriminator", "generator"}
    for o in opts.values():
        assert o.param_groups[0]["weight_decay"] == 0.01
        if decoupled is None:
            assert type(o) is torch.optim.SGD
        else:  # genlab's FusedAdam(W) are torch's Adam(W): AdamW is Adam with decoupled weight decay
            assert isinstance(o, torch.optim.AdamW if decoupled else torch.optim.Adam)
            assert o.param_groups[0]["decoupled_weight_decay"] is decoupled and o.param_groups[0]["fused"]


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
def test_schedule_changes_the_rate_per_step(tmp_path, data, schedule):
    out = ModelDir(tmp_path / "m")
    fit(spec(epochs=3, schedule=schedule, lr=0.01), data, out, 0, QUIET, shape=(1, 28, 28), classes=10)
    rates = [r["lr"]["model"] for r in out.read_metrics()]
    assert len(set(rates)) == 3 and rates[-1] < 0.01
    if schedule == "cosine":
        assert rates == sorted(rates, reverse=True)


def test_resume_with_a_schedule_equals_uninterrupted(tmp_path, data):
    full, cut = ModelDir(tmp_path / "full"), ModelDir(tmp_path / "cut")
    fit(spec(epochs=3, schedule="cosine"), data, full, 0, QUIET, shape=(1, 28, 28), classes=10)
    with pytest.raises(KeyboardInterrupt):
        fit(spec(epochs=3, schedule="cosine"), data, cut, 0, QUIET, (StopAt(2),), shape=(1, 28, 28), classes=10)
    summary = fit(spec(epochs=3, schedule="cosine"), data, cut, 0, TrainerOptions(progress=False, resume=True), shape=(1, 28, 28), classes=10)
    a, b = registry.load_trained(full).state_dict(), registry.load_trained(cut).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    # the training time is the sum of the epochs' own times, never the time the process was dead
    assert summary["train_time_s"] == pytest.approx(sum(r["epoch_train_s"] for r in cut.read_metrics()))


def test_steps_per_batch_for_a_named_optimizer(tmp_path, data):
    out = ModelDir(tmp_path / "gan")
    fit(spec("dense_gan", epochs=1, steps={"discriminator": 3}), data, out, 0, QUIET, shape=(1, 28, 28), classes=10)
    blob = torch.load(next(out.checkpoints.glob("*.pt")), weights_only=False)
    steps = {n: next(iter(s["state"].values()))["step"].item() for n, s in blob["optimizers"].items()}
    assert steps == {"discriminator": 3 * 4, "generator": 4}  # 128 images / batch 32 = 4 batches


def test_steps_naming_an_unknown_optimizer_is_refused(tmp_path, data):
    with pytest.raises(GenlabError, match="train.steps names 'critic'"):
        fit(spec(steps={"critic": 5}), data, ModelDir(tmp_path / "x"), 0, QUIET, shape=(1, 28, 28), classes=10)


class Head(Method):
    """A linear classifier on features whose validation accuracy we can script."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def loss(self, x, y, optimizer):
        logits = self.linear(x)
        return Loss(torch.nn.functional.cross_entropy(logits, y), {"accuracy": (logits.argmax(1) == y).float().mean()})


class Scripted:
    """Overrides the monitored value so the test decides which epoch is best."""

    def __init__(self, values):
        self.values = values

    def on_epoch_end(self, method, epoch, model_dir, logs):
        logs["val"]["accuracy"] = self.values[epoch - 1]
        return {}


def features(n, seed):
    g = torch.Generator().manual_seed(seed)
    return Features(torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g))


def test_keep_best_restores_the_best_epoch_and_early_stopping_stops(tmp_path):
    data = TrainData(features(64, 0), features(32, 1), features(32, 2))
    out = ModelDir(tmp_path / "head")
    keep, stop = KeepBest("val.accuracy", "max"), EarlyStopping(2, "val.accuracy", "max")
    torch.manual_seed(0)
    summary = train(Head(), data, TrainConfig(epochs=10, batch_size=16, tensorboard=False), out, 0, QUIET,
                    (Scripted([0.1, 0.5, 0.4, 0.3, 0.9, 0.2, 0.1, 0.1, 0.1, 0.1]), keep, stop))
    assert summary["epochs"] == 4, "no improvement for 2 epochs after epoch 2 stops at epoch 4"
    assert keep.best(out) == {"epoch": 2, "value": 0.5, "monitor": "val.accuracy"}
    saved = torch.load(out.final, weights_only=False)["state_dict"]
    assert torch.equal(saved["linear.weight"], torch.load(out.path / "best.pt", weights_only=True)["linear.weight"])


@pytest.mark.parametrize("key,value,message", [
    ("optimizer", "rmsprop", "train.optimizer must be one of"), ("schedule", "step", "train.schedule must be one of"),
    ("lr", 0.0, "train.lr must be in"), ("betas", (2.0, 0.999), "train.betas must be two numbers in [0, 1)"),
    ("weight_decay", -1.0, "train.weight_decay must be >= 0"), ("eval_batch_size", 0, "train.eval_batch_size must be >= 1"),
    ("steps", {"critic": 0}, "train.steps values"), ("momentum", 1.5, "train.momentum must be in"),
    ("step", "compiled", "train.step must be one of auto, eager, cuda_graph"),
    ("precision", "float16", "train.precision must be one of float32, bfloat16, auto"),
    ("epochs", 1_000_000_000, "train.epochs must be at most 100,000"), ("batch_size", 100_000, "train.batch_size must be at most"),
    ("eval_batch_size", 10**12, "train.eval_batch_size must be at most"),
    ("keep_checkpoints", 10**6, "train.keep_checkpoints must be from 1 to 1000")])
def test_train_config_domains(key, value, message):
    with pytest.raises(GenlabError) as info:
        TrainConfig(**{key: value})
    assert message in str(info.value)

"""Resume equals an uninterrupted run wherever it is cut (issue 23, item 1).

The per-epoch FID callback used to load its feature network lazily, once per process, and
that load reseeded torch's global generator: a run resumed after epoch k drew different
noise from epoch k+1 on. `LazyGlobalConsumer` does the same thing on purpose (a fresh one
per process, as after a real kill); every number of every epoch must still match."""
from __future__ import annotations

import pytest
import torch

from genlab import registry
from genlab.config import ModelSpec, TrainConfig
from genlab.engine import checkpoint
from genlab.engine.trainer import TrainerOptions, fit
from genlab.runs import ModelDir
from trainer_helpers import StopAt, random_data

EPOCHS = 4
TIMING = {"epoch_train_s", "epoch_wall_s", "images_per_s", "threads"}


class LazyGlobalConsumer:
    """Like EpochFID: on its first call in a process it reseeds and draws from torch's global
    generator (a network built, then loaded); each epoch it reports a seeded sample's mean."""

    def __init__(self):
        self.ready = False

    def on_epoch_end(self, method, epoch, model_dir, logs):
        if not self.ready:
            torch.manual_seed(99)
            torch.randn(1000)
            self.ready = True
        if "sample" not in method.capabilities():
            return {"lazy": 0.0}
        images = method.sample(8, generator=torch.Generator().manual_seed(5))  # 8×C×H×W
        return {"lazy": float(images.double().mean())}


@pytest.fixture(scope="module")
def data():
    return random_data(96, 32, 32)


def spec(model: str, params: dict) -> ModelSpec:
    return ModelSpec(name="m", model=model, params=params,
                     train=TrainConfig(epochs=EPOCHS, batch_size=32, tensorboard=False, keep_checkpoints=EPOCHS))


def numbers(model_dir: ModelDir) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in model_dir.read_metrics()]


def train(model_dir: ModelDir, model: str, params: dict, data, stop: int | None = None, resume: bool = False):
    callbacks = [LazyGlobalConsumer()] + ([StopAt(stop)] if stop else [])
    return fit(spec(model, params), data, model_dir, 0, TrainerOptions(progress=False, resume=resume),
               callbacks, shape=(1, 28, 28), classes=10)


# every registry model at a tiny size (a new model must be added here: see the test below)
TINY = {
    "dense_ae": {"latent_dim": 4, "hidden": [16]},
    "dense_dae": {"latent_dim": 4, "hidden": [16]},
    "dense_vae": {"latent_dim": 4, "hidden": [16]},
    "dense_gan": {"latent_dim": 4, "g_hidden": [16], "d_hidden": [16]},
    "conv_ae": {},
    "conv_dae": {},
    "conv_vae": {"latent_dim": 4},
    "conv_vae_gen": {"latent_dim": 4, "width": 8},
    "cvae": {"latent_dim": 4, "width": 8},
    "dcgan": {"latent_dim": 4, "width": 8},
    "cdcgan": {"latent_dim": 4, "width": 8},
    "wgan_gp": {"latent_dim": 4, "width": 8},
    "ddpm": {"width": 8, "levels": 1, "sample_steps": 2},
    "flow_matching": {"width": 8, "levels": 1, "sample_steps": 2},
}


# cut during every epoch for one model of each kind of loop (AE/VAE, GAN, conv); during epoch 3
# (the checkpoint written, its metrics line lost) for the rest, to keep CI's minutes
EVERY_EPOCH = {"dense_gan", "dense_vae", "conv_vae"}


def test_every_registry_model_is_cut_and_resumed():
    assert set(TINY) == set(registry.models())


@pytest.mark.parametrize("model", sorted(TINY))
def test_every_number_equals_the_uninterrupted_run_wherever_it_is_cut(tmp_path, data, model):
    params = TINY[model]
    full = ModelDir(tmp_path / "full")
    summary = train(full, model, params, data)
    expected = numbers(full)
    assert len(expected) == EPOCHS and all("lazy" in r["extra"] for r in expected)
    final = registry.load_trained(full).state_dict()
    cuts = range(2, EPOCHS + 1) if model in EVERY_EPOCH else (3,)
    for cut_at in cuts:  # killed during epoch cut_at: checkpoints up to cut_at - 1
        cut = ModelDir(tmp_path / f"cut{cut_at}")
        with pytest.raises(KeyboardInterrupt):
            train(cut, model, params, data, stop=cut_at)
        if cut_at == 3:  # killed between the checkpoint and its metrics line: the line comes back
            lines = cut.metrics.read_text().splitlines()
            cut.metrics.write_text("\n".join(lines[:-1]) + "\n")
        resumed = train(cut, model, params, data, resume=True)
        assert numbers(cut) == expected, f"resumed after epoch {cut_at - 1}"
        assert resumed["final"]["test"] == summary["final"]["test"]
        weights = registry.load_trained(cut).state_dict()
        assert all(torch.equal(final[k], weights[k]) for k in final), f"weights, resumed after epoch {cut_at - 1}"
        assert not checkpoint.existing(cut.checkpoints) or len(checkpoint.existing(cut.checkpoints)) <= EPOCHS

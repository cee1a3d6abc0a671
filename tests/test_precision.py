"""train.precision: bfloat16 mixed precision (engine/precision.py).

Every model's loss stays float32 under bfloat16 autocast; a bfloat16 model trains through
the one trainer in bfloat16 (its products differ from float32's, its weights stay
float32), resumes to the same bits at a fixed thread count, and says so in its summary,
the report and the FLOP floor (at the bfloat16 peak)."""
from __future__ import annotations

import pytest
import torch

from genlab import registry
from genlab.analyses.flop_floor import floor_table
from genlab.config import ModelSpec, TrainConfig, load_study
from genlab.engine import precision
from genlab.engine.trainer import TrainerOptions as Options, fit
from genlab.runs import ModelDir
from trainer_helpers import StopAt, random_data

QUIET = Options(progress=False)


def test_auto_means_bfloat16_only_where_the_device_has_bf16_units(monkeypatch):
    assert precision.resolve("float32", "cpu") == torch.float32
    assert precision.resolve("bfloat16", "cpu") == torch.bfloat16  # asked by name: honoured (emulated if need be)
    for units, expected in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(precision, "has_bfloat16_units", lambda device, units=units: units)
        assert precision.resolve("auto", "cpu") == expected
    assert precision.resolved_name("float32", "cpu") == "float32"


@pytest.mark.parametrize("name", sorted(registry.models()))
def test_every_loss_is_float32_under_bfloat16_and_close_to_float32(name):
    """A bfloat16 loss (KL, diagnostics, a critic's mean) would lose digits the report shows."""
    torch.manual_seed(0)
    method = registry.build(name, shape=(1, 28, 28), classes=10)
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))  # B×1×28×28, B
    for optimizer in method.optimizers:
        torch.manual_seed(1)
        exact = method.loss(x, y, optimizer)
        torch.manual_seed(1)  # the same noise (VAE sampling, GAN priors) in both
        with precision.autocast(torch.bfloat16, "cpu"):
            mixed = method.loss(x, y, optimizer)
        for key, value in {"total": mixed.total, **mixed.parts}.items():
            assert value.dtype == torch.float32, (optimizer, key, value.dtype)
        assert mixed.total.item() == pytest.approx(exact.total.item(), rel=0.05, abs=0.02), optimizer


def spec(train_precision: str, epochs: int = 3) -> ModelSpec:
    return ModelSpec(name="g", model="dense_gan", params={"latent_dim": 8, "g_hidden": [32], "d_hidden": [32]},
                     train=TrainConfig(epochs=epochs, batch_size=32, tensorboard=False, keep_checkpoints=5,
                                       precision=train_precision))


def weights(model_dir: ModelDir) -> dict:
    return registry.load_trained(model_dir).state_dict()


def test_a_bfloat16_model_trains_in_bfloat16_and_resumes_to_the_same_bits(tmp_path):
    data = random_data(n_train=128)
    runs = {name: ModelDir(tmp_path / name) for name in ("fp32", "bf16", "cut")}
    fit(spec("float32"), data, runs["fp32"], 0, QUIET, shape=(1, 28, 28), classes=10)
    summary = fit(spec("bfloat16"), data, runs["bf16"], 0, QUIET, shape=(1, 28, 28), classes=10)
    assert summary["precision"] == "bfloat16" and runs["fp32"].read_summary()["precision"] == "float32"
    with pytest.raises(KeyboardInterrupt):
        fit(spec("bfloat16"), data, runs["cut"], 0, QUIET, (StopAt(2),), shape=(1, 28, 28), classes=10)
    fit(spec("bfloat16"), data, runs["cut"], 0, Options(progress=False, resume=True), shape=(1, 28, 28), classes=10)
    fp32, bf16, cut = (weights(runs[n]) for n in ("fp32", "bf16", "cut"))
    assert all(v.dtype == torch.float32 for v in bf16.values()), "weights stay float32"
    assert any(not torch.equal(fp32[k], bf16[k]) for k in fp32), "bfloat16 products must change the bits"
    assert all(torch.equal(bf16[k], cut[k]) for k in bf16), "resume is exact at a fixed thread count"
    close = [torch.allclose(fp32[k], bf16[k], atol=0.05) for k in fp32]
    assert all(close), "three epochs in bfloat16 stay near float32's weights"


def test_the_floor_of_a_bfloat16_model_is_at_the_bfloat16_peak():
    config = load_study("dense", overrides=["data.val_size=5000"])
    config.models = [m for m in config.models if m.name in ("ae64", "gan_normal")]
    summaries = {"ae64": {"epochs": 1, "train_time_s": 10.0, "precision": "float32"},
                 "gan_normal": {"epochs": 1, "train_time_s": 10.0, "precision": "bfloat16"}}
    table = floor_table(config, 1000, (1, 28, 28), 10, {"float32": 1e11, "bfloat16": 4e11}, summaries)
    ae64, gan = table["models"]
    assert (ae64["precision"], ae64["peak_flop_per_s"]) == ("float32", 1e11)
    assert (gan["precision"], gan["peak_flop_per_s"]) == ("bfloat16", 4e11)
    assert gan["floor_time_s"] == pytest.approx(gan["flop"] / 4e11)
    assert table["peak_flop_per_s"] == 1e11


def test_the_floor_section_also_gives_the_float32_floor_of_a_mixed_run():
    from types import SimpleNamespace

    from genlab.analyses.flop_floor import FlopFloor

    config = load_study("dense", overrides=["data.val_size=5000"])
    config.models = [m for m in config.models if m.name in ("ae64", "gan_normal")]
    summaries = {"ae64": {"epochs": 1, "train_time_s": 10.0, "precision": "float32"},
                 "gan_normal": {"epochs": 1, "train_time_s": 30.0, "precision": "bfloat16"}}
    results = {**floor_table(config, 1000, (1, 28, 28), 10, {"float32": 1e11, "bfloat16": 4e11}, summaries), "device": "cpu", "threads": 2}
    view = SimpleNamespace(title=lambda name: {"ae64": "AE-64", "gan_normal": "GAN-64"}[name])
    table, text = FlopFloor().blocks(view, results)
    assert [row[1] for row in table.rows] == ["float32", "bfloat16", None]
    floor32 = results["total"]["flop"] / 1e11
    assert f"float32 peak alone the study's floor would be {floor32:,.0f} s" in text.body
    assert f"{40.0 / floor32:.2f}× that" in text.body and "(train.precision: GAN-64)" in text.body

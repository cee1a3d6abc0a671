"""The FLOP floor: FLOPs per update counted right, the table's arithmetic, `genlab bench --floor`."""
from __future__ import annotations

import json

import pytest

from cli_helpers import assert_clean_error, run_cli
from genlab.analyses.flop_floor import floor_table, matmul_peak, update_flops

FMNIST = (1, 28, 28), 10
from genlab.config import ModelSpec, TrainConfig, load_study


def test_a_dense_autoencoders_update_is_five_matmuls():
    """784→64→784 at batch B (1×28×28 images): 2 forward matmuls, the decoder's input gradient, 2 weight
    gradients (the images need no gradient) — 5 × 2·B·784·64 FLOPs."""
    spec = ModelSpec(name="ae", model="dense_ae", params={"latent_dim": 64}, train=TrainConfig(batch_size=32))
    assert update_flops(spec, *FMNIST) == 5 * 2 * 32 * 784 * 64


def test_extra_optimiser_steps_are_counted():
    base = {"latent_dim": 16, "width": 8}
    one = ModelSpec(name="w", model="wgan_gp", params=base, train=TrainConfig(batch_size=4))
    five = ModelSpec(name="w", model="wgan_gp", params=base, train=TrainConfig(batch_size=4, steps={"critic": 5}))
    generator = update_flops(ModelSpec(name="w", model="wgan_gp", params=base,
                                       train=TrainConfig(batch_size=4, steps={"critic": 2})), *FMNIST) - update_flops(one, *FMNIST)
    assert update_flops(five, *FMNIST) == pytest.approx(update_flops(one, *FMNIST) + 4 * generator)


def test_floor_table_arithmetic_and_early_stopping():
    config = load_study("dense", overrides=["data.val_size=5000"])
    config.models = [m for m in config.models if m.name in ("ae64", "vae")]
    peak = 1e11
    summaries = {"ae64": {"epochs": 3, "train_time_s": 12.0}, "vae": {"epochs": 30, "train_time_s": 40.0}}
    table = floor_table(config, 1000, (1, 28, 28), 10, {"float32": peak}, summaries)
    ae64 = table["models"][0]
    assert ae64["updates"] == 3 * 32  # the epochs it trained (early stop) × ceil(1000 / 32)
    assert ae64["floor_time_s"] == pytest.approx(ae64["flop_per_update"] * ae64["updates"] / peak)
    assert ae64["time_over_floor"] == pytest.approx(12.0 / ae64["floor_time_s"])
    total = table["total"]
    assert total["time_over_floor"] == pytest.approx(52.0 / (ae64["floor_time_s"] + table["models"][1]["floor_time_s"]))


def test_matmul_peak_is_a_positive_rate():
    assert 1e8 < matmul_peak(size=128, repeats=2) < 1e15


def test_bench_floor_of_a_study(tmp_path):
    out = tmp_path / "floor.json"
    result = run_cli("bench", "--floor", "--study", "dense", "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert [r["model"] for r in report["models"]] == [m.name for m in load_study("dense").models]
    assert report["total"]["flop"] == pytest.approx(sum(r["flop"] for r in report["models"]))
    assert "all models" in result.stdout and "MFLOP/update" in result.stdout


@pytest.mark.parametrize("args,fragment", [
    (["--floor", "--study", "kitti"], "its FLOP floor is not computed"),
    (["--floor", "--run", "no/such/run"], "is not a folder"),
])
def test_bench_floor_bad_input(args, fragment, tmp_path):
    result = run_cli(*["bench", *args, "--out", str(tmp_path / "f.json")], timeout=120)
    assert result.returncode == 2
    assert_clean_error(result, fragment)
    assert not (tmp_path / "f.json").exists()


def test_the_cost_of_sampling_is_counted_per_image_and_grows_with_the_steps():
    """A one-step generator: one generator pass; an iterative sampler: one network call per step."""
    from genlab.analyses.flop_floor import sample_flops

    gan = ModelSpec(name="g", model="dense_gan", params={"latent_dim": 8, "g_hidden": [16], "d_hidden": [16]})
    # 8→16→784: two matmuls per image, 2 FLOPs per multiply-add
    assert sample_flops(gan, *FMNIST) == 2 * (8 * 16 + 16 * 784)
    flows = [sample_flops(ModelSpec(name="f", model="flow_matching",
                                    params={"width": 4, "levels": 2, "sample_steps": k}), *FMNIST) for k in (2, 6)]
    assert flows[1] == pytest.approx(3 * flows[0])
    ae = ModelSpec(name="a", model="dense_ae", params={"latent_dim": 4})
    assert sample_flops(ae, *FMNIST) == 2 * 4 * 784  # a mixture-sampled AE: one decode

"""The generation benchmark end to end: the real CLI runs `gen --quick` on a tiny real
subset (small widths, two epochs) and writes the ranking, per-epoch FID of every model,
sample grids, interpolation figures, the loss parts of the WGAN-GP, the cost of sampling of
the diffusion and flow models beside the one-step ones, and the class-conditional models'
per-class accuracy."""
from __future__ import annotations

import json

import pytest
import yaml

from cli_helpers import images_loaded_in_chromium, run_cli

TINY = ["--set", "data.train_subset=400", "--set", "data.val_size=100", "--set", "data.test_subset=200",
        "--set", "train.epochs=2", "--set", "analysis.generation.samples=200", "--set", "analysis.generation.epoch_fid_n=100",
        "--set", "analysis.latent_interpolation.pairs=2", "--set", "analysis.latent_interpolation.steps=4",
        "--set", "models.dcgan.params.width=8", "--set", "models.wgan_gp.params.width=8",
        "--set", "models.wgan_gp.train.steps={critic: 2}", "--set", "models.conv_vae_gen.params.width=8",
        "--set", "models.gan_normal.params.g_hidden=[64]", "--set", "models.gan_uniform.params.g_hidden=[64]",
        "--set", "models.ddpm.params.width=8", "--set", "models.flow.params.width=8",
        "--set", "models.flow_cond.params.width=8", "--set", "models.cdcgan.params.width=8",
        "--set", "models.cvae.params.width=8", "--set", "models.ddpm.train.epochs=2", "--set", "models.flow.train.epochs=2",
        "--set", "models.flow_cond.train.epochs=2", "--set", "analysis.sampling_cost.steps=[2, 4]",
        "--set", "analysis.sampling_cost.samples=60", "--set", "analysis.conditional_generation.samples=20",
        "--set", "analysis.generation.epoch_fid_steps=2",
        # a tiny feature network (trained into a temporary cache) keeps the metrics step to seconds
        "--set", "analysis.generation.feature_net={width: 4, feature_dim: 16, epochs: 1, batch_size: 64, "
                 "train_subset: 512, test_subset: 200}"]
MODELS = ["vae", "ae64", "gan_normal", "gan_uniform", "dcgan", "wgan_gp", "conv_vae", "conv_vae_gen", "ddpm", "flow",
          "cdcgan", "cvae", "flow_cond"]
SAMPLERS = [m for m in MODELS if m != "ae64"]
ITERATIVE = ["ddpm", "flow", "flow_cond"]
CONDITIONAL = ["cdcgan", "cvae", "flow_cond"]
DECODERS = ["vae", "ae64", "gan_normal", "gan_uniform", "dcgan", "wgan_gp", "conv_vae", "conv_vae_gen"]


@pytest.fixture(scope="module")
def gen_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "run"
    env = {"GENLAB_CACHE": str(tmp_path_factory.mktemp("cache"))}
    result = run_cli("run", "gen", "--quick", "--out", str(out), "--no-progress", *TINY, env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    return out


@pytest.mark.slow
def test_every_model_is_ranked_with_its_fid_per_epoch(gen_run):
    config = yaml.safe_load((gen_run / "config.yaml").read_text())
    assert [m["name"] for m in config["models"]] == MODELS
    assert all(m["train"]["epochs"] == 2 and m["train"]["batch_size"] == 64 for m in config["models"])  # quick: batch 64
    metrics = json.loads((gen_run / "metrics.json").read_text())
    generation = metrics["generation"]
    assert list(generation["models"]) == MODELS and generation["floor"]["fid"] > 0
    for name in MODELS:  # the autoencoder's through its Gaussian mixture
        records = [json.loads(line) for line in (gen_run / "models" / name / "metrics.jsonl").read_text().splitlines()]
        assert [r["epoch"] for r in records] == [1, 2] and all(r["extra"]["epoch_fid"] > 0 for r in records), name
    wgan = json.loads((gen_run / "models" / "wgan_gp" / "summary.json").read_text())["final"]
    assert {"critic_loss", "generator_loss", "wasserstein", "gp"} <= set(wgan["train"]) and wgan["val"]["gp"] >= 0
    interpolation = metrics["analyses"]["latent_interpolation"]["results"]
    assert set(interpolation) == set(DECODERS)  # the others decode no latent code of their own
    assert {name: e["path"] for name, e in interpolation.items() if e["path"] == "linear"} == {
        "gan_uniform": "linear", "ae64": "linear"}
    assert interpolation["vae"]["between"] and interpolation["dcgan"]["between"] is None
    assert metrics["analyses"]["samples"]["skipped"] == {"ae64": ["sample"]}
    cost = metrics["analyses"]["sampling_cost"]["results"]
    for name in MODELS:  # the iterative models at each step count, the others at their one pass
        steps = [p["steps"] for p in cost["points"][name]]
        assert steps == ([2, 4] if name in ITERATIVE else [None]), name
        assert all(p["images_per_s"] > 0 and p["fid"] > 0 for p in cost["points"][name])
    conditional = metrics["analyses"]["conditional_generation"]
    assert set(conditional["models"]) == set(CONDITIONAL) and len(conditional["results"]["models"]["cvae"]) == 10
    assert all(0 <= c["accuracy"] <= 1 for c in conditional["results"]["models"]["flow_cond"])
    assert all(generation["models"][n]["sample_s_per_1000"] > 0 for n in MODELS)  # the ranking's sampling column


@pytest.mark.slow
def test_report_shows_ranking_samples_and_interpolations(gen_run, chromium, tmp_path):
    figures = {p.stem for p in (gen_run / "figures").glob("*.png")}
    expected = {"quality_epoch_fid", "quality_class_histogram", "loss_curves"}
    expected |= {f"interpolation_{m}" for m in DECODERS} | {f"quality_samples_{m}" for m in MODELS}
    expected |= {"sampling_cost"} | {f"conditional_{m}" for m in CONDITIONAL}
    expected |= {f"progress_{m}" for m in SAMPLERS}
    assert expected <= figures, expected - figures
    assert not {f"samples_{m}" for m in SAMPLERS} & figures  # each model's grid once: under generation quality
    html = (gen_run / "report.html").read_text()
    for figure in figures:
        assert f'data-file="figures/{figure}.png"' in html, figure
    assert "Figure missing" not in html
    assert "Ranking: every generative model" in html and "real-data floor" in html
    assert "Every model trains 2 epochs at batch size 64" in html
    assert "The cost of sampling" in html and "first beats the best unconditional one-step generator" in html or \
        "at no step count measured does it beat" in html
    assert "draws the class asked for" in html
    assert "too small to conclude" in html  # a 400-image subset cannot rank generators
    assert "spherical interpolation" in html and "linear interpolation" in html
    assert "2 critic steps per batch" in html  # the WGAN-GP's training, from its config
    loaded, total = images_loaded_in_chromium(chromium, gen_run / "report.html", tmp_path)
    assert total >= len(expected) and loaded == total

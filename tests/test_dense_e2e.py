"""Study 1 end to end: the real CLI on a small real subset writes a complete report."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from cli_helpers import images_loaded_in_chromium, run_cli

TINY = ["--set", "data.train_subset=600", "--set", "data.val_size=200", "--set", "data.test_subset=300",
        "--set", "train.epochs=2", "--set", "analysis.latent_2d.scatter_points=300", "--set", "analysis.generation.samples=300",
        "--set", "analysis.generation.epoch_fid_n=200",
        # a tiny feature network (trained into a temporary cache) keeps the metrics step to seconds
        "--set", "analysis.generation.feature_net={width: 4, feature_dim: 16, epochs: 1, batch_size: 64, "
                 "train_subset: 512, test_subset: 200}"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return {"GENLAB_CACHE": str(tmp_path_factory.mktemp("cache"))}


@pytest.fixture(scope="module")
def dense_run(tmp_path_factory, cache):
    out = tmp_path_factory.mktemp("dense") / "run"
    result = run_cli("run", "dense", "--quick", "--out", str(out), "--no-progress", *TINY, env=cache)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_run_folder_holds_everything(dense_run):
    config = yaml.safe_load((dense_run / "config.yaml").read_text())
    names = [m["name"] for m in config["models"]]
    assert names == ["ae2", "ae2_deep", "ae64", "ae64_deep", "vae", "gan_normal", "gan_uniform"]
    assert config["data"]["train_subset"] == 600 and all(m["train"]["epochs"] == 2 for m in config["models"])
    metrics = json.loads((dense_run / "metrics.json").read_text())
    for name in names:
        model = dense_run / "models" / name
        assert (model / "final.pt").is_file() and (model / "summary.json").is_file()
        assert len((model / "metrics.jsonl").read_text().splitlines()) == 2
        assert list((model / "tensorboard").glob("events.out.tfevents.*"))
        assert json.loads((model / "summary.json").read_text())["train_time_s"] > 0
    analyses = metrics["analyses"]
    # capabilities, not names, choose the models of each analysis
    assert analyses["latent_2d"]["models"] == ["ae2", "ae2_deep"]
    assert set(analyses["reconstruction_pairs"]["skipped"]) == {"gan_normal", "gan_uniform"}
    assert set(analyses["samples"]["models"]) == {"vae", "gan_normal", "gan_uniform"}
    assert list(analyses["reconstruction_kl"]["results"]) == ["vae"]
    floor = analyses["linear_floor"]["results"]  # PCA beside every model that encodes and reconstructs
    assert list(floor) == ["ae2", "ae2_deep", "ae64", "ae64_deep", "vae"] and floor["ae64"]["code_dim"] == 64
    assert floor["ae2"]["pca_mse"] > floor["ae64"]["pca_mse"] > 0
    generation = metrics["generation"]
    assert {"gan_normal", "gan_uniform", "vae", "ae64"} <= set(generation["models"])
    assert generation["floor"]["fid"] < generation["models"]["gan_normal"]["fid"]
    for name in ("gan_normal", "gan_uniform"):  # the per-epoch FID curve, logged by the engine callback
        records = [json.loads(line) for line in (dense_run / "models" / name / "metrics.jsonl").read_text().splitlines()]
        assert all(r["extra"]["epoch_fid"] > 0 for r in records)
    expected = {"loss_curves", "parts_vae", "progress_gan_normal", "progress_gan_uniform"}
    expected |= {f"quality_samples_{name}" for name in ("vae", "gan_normal", "gan_uniform")}
    for name in ("ae2", "ae2_deep", "ae64", "ae64_deep", "vae"):
        expected |= {f"recon_test_{name}", f"recon_train_{name}"}
    for name in ("ae2", "ae2_deep"):
        expected |= {f"latent_grid_{name}", f"latent_scatter_{name}"}
    figures = {p.stem for p in (dense_run / "figures").glob("*.png")}
    assert expected <= figures, expected - figures


def test_report_shows_every_figure_and_reported_numbers(dense_run):
    html = (dense_run / "report.html").read_text()
    for figure in (dense_run / "figures").glob("*.png"):
        assert f'data-file="figures/{figure.name}"' in html, figure.name
    for number in ("82.94", "144.19", "890", "830", "288.61", "282.07"):
        assert number in html
    assert "Generation quality" in html and "real-data floor" in html
    assert "Figure missing" not in html
    assert "VAE-64&#x27;s samples — normal prior (as trained) — are shown once, under generation quality" in html \
        or "VAE-64's samples — normal prior (as trained) — are shown once, under generation quality" in html
    assert re.search(r"Not in this analysis, which needs [^<]*: GAN-64, normal prior; GAN-64, uniform prior\.", html)  # skipped models are named, once
    assert "The source report (Freitas &amp; Rodrigues, 2023) judged GAN-64, uniform prior worse than GAN-64, normal prior by eye" in html


def test_report_rebuilds_from_folder_alone(dense_run):
    before = (dense_run / "report.html").read_text()
    (dense_run / "report.html").unlink()
    assert run_cli("report", str(dense_run)).returncode == 0
    assert (dense_run / "report.html").read_text() == before


def test_resume_of_finished_run_trains_nothing(dense_run, cache):
    result = run_cli("run", "dense", "--quick", "--out", str(dense_run), "--resume", "--no-progress", *TINY, env=cache)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "epoch" not in result.stderr  # every model was already done


def test_every_image_loads_in_chromium(dense_run, chromium, tmp_path):
    loaded, total = images_loaded_in_chromium(chromium, dense_run / "report.html", tmp_path)
    assert total >= 20 and loaded == total

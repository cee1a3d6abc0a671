"""Study 2 end to end: `genlab run conv --quick` on a tiny real subset writes a complete report."""
from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli

TINY = ["--set", "data.train_subset=400", "--set", "data.val_size=200", "--set", "data.test_subset=300",
        "--set", "train.epochs=1", "--set", "analysis.tsne_points=150", "--set", "analysis.probe_train_size=300",
        "--set", "analysis.robustness_images=100", "--set", "analysis.noise_factors=[0.0,0.5,1.0]",
        "--set", "analysis.head.epochs=2", "--set", "analysis.head.hidden=[32]"]
FIGURES = {"loss_curves", "recon_clean", "recon_noisy", "error_hist", "tsne", "robustness", "classifier_curves",
           "confusion_ae", "confusion_vae", "confusion_dae", "confusion_raw"}


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("conv") / "run"
    result = run_cli("run", "conv", "--quick", "--out", str(out), "--no-progress", *TINY)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_run_folder_holds_every_result(conv_run):
    assert {p.stem for p in (conv_run / "figures").glob("*.png")} >= FIGURES
    data = json.loads((conv_run / "metrics.json").read_text())["conv"]
    assert set(data["models"]) == {"ae", "vae", "dae"} and data["dae_noise"] == 0.5
    assert set(data["classifiers"]) == {"ae", "vae", "dae", "raw"}
    assert data["classifiers"]["ae"]["feature_dim"] == 1152 and data["classifiers"]["vae"]["feature_dim"] == 20
    for result in data["classifiers"].values():
        assert 0 <= result["test"]["f1_weighted"] <= 1 and 0 <= result["linear_probe"]["accuracy"] <= 1
        assert len(result["test"]["confusion"]) == 10
    assert len(data["robustness"]["curves"]["DAE"]["psnr"]) == 3
    for name in ("ae", "vae", "dae", "raw"):
        assert len((conv_run / "classifiers" / name / "metrics.jsonl").read_text().splitlines()) == 2


def test_report_shows_every_figure_and_the_reports_tables(conv_run):
    html = (conv_run / "report.html").read_text()
    for figure in (conv_run / "figures").glob("*.png"):
        assert f'src="figures/{figure.name}"' in html, figure.name
    for number in ("0.0057", "0.0058", "20.4469", "5.1369", "88.04", "87.98", "87.17", "86.81", "86.72"):
        assert number in html, number
    assert "Figure missing" not in html
    assert "Table 4" in html and "Table 5" in html and "linear probe" in html


def test_report_rebuilds_from_folder_alone(conv_run):
    before = (conv_run / "report.html").read_text()
    (conv_run / "report.html").unlink()
    assert run_cli("report", str(conv_run)).returncode == 0
    assert (conv_run / "report.html").read_text() == before

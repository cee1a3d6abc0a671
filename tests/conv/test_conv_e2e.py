"""Study 2 end to end: `genlab run conv --quick` on a tiny real subset writes a complete report."""
from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli
from genlab.report.page import quantity

TINY = ["--set", "data.train_subset=400", "--set", "data.val_size=200", "--set", "data.test_subset=300",
        "--set", "train.epochs=1", "--set", "analysis.tsne.points=40", "--set", "analysis.frozen_classifiers.probe_train_size=300",
        "--set", "analysis.noise_robustness.images=100", "--set", "analysis.noise_robustness.factors=[0.0,0.5,1.0]",
        "--set", "analysis.frozen_classifiers.head.epochs=2", "--set", "analysis.frozen_classifiers.head.hidden=[32]"]
FIGURES = {"loss_curves", "recon_clean", "recon_noisy", "error_hist", "tsne", "robustness", "classifier_curves",
           "confusion_matrices"}


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("conv") / "run"
    result = run_cli("run", "conv", "--quick", "--out", str(out), "--no-progress", *TINY)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_run_folder_holds_every_result(conv_run):
    assert {p.stem for p in (conv_run / "figures").glob("*.png")} >= FIGURES
    # epoch checkpoints (models and classifier heads) are gone once finished; final / best weights stay
    assert not list(conv_run.rglob("checkpoints/epoch_*.pt"))
    assert (conv_run / "classifiers" / "ae" / "final.pt").is_file() and (conv_run / "models" / "ae" / "final.pt").is_file()
    analyses = json.loads((conv_run / "metrics.json").read_text())["analyses"]
    for key in ("loss_curves", "architecture", "reconstruction_errors", "tsne", "noise_robustness", "frozen_classifiers"):
        assert analyses[key]["models"] == ["ae", "vae", "dae"] and not analyses[key]["skipped"], key
    assert analyses["noise_robustness"]["results"]["denoisers"] == {"dae": 0.5}
    assert analyses["architecture"]["results"]["vae"]["code_dim"] == 20
    floor = analyses["linear_floor"]["results"]  # PCA beside every autoencoder, at its code size
    assert floor["vae"]["code_dim"] == 20 and floor["ae"]["code_dim"] == 1152 and floor["ae"]["pca_mse"] < 1e-20
    assert 0 < floor["vae"]["pca_mse"] < 0.1 and floor["vae"]["model_mse"] > 0
    # fewer t-SNE points than the PCA step needs: PCA is skipped, not crashed on
    assert analyses["tsne"]["results"]["points"] == 40
    assert all(c["pca"] is None for c in analyses["tsne"]["results"]["codes"].values())
    classifiers = analyses["frozen_classifiers"]["results"]
    assert set(classifiers) == {"ae", "vae", "dae", "raw"}
    assert classifiers["ae"]["feature_dim"] == 1152 and classifiers["vae"]["feature_dim"] == 20
    for result in classifiers.values():
        metrics = result["head"]["test_metrics"]
        assert 0 <= metrics["f1_weighted"] <= 1 and 0 <= result["linear_probe"]["accuracy"] <= 1
        assert len(metrics["confusion"]) == 10 and result["head"]["best"]["epoch"] in (1, 2)
    assert len(analyses["noise_robustness"]["results"]["curves"]["DAE"]["psnr"]) == 3
    for name in ("ae", "vae", "dae", "raw"):
        folder = conv_run / "classifiers" / name
        assert len((folder / "metrics.jsonl").read_text().splitlines()) == 2
        assert (folder / "final.pt").is_file() and (folder / "best.json").is_file()


def test_report_shows_every_figure_and_the_reports_tables(conv_run):
    html = (conv_run / "report.html").read_text()
    for figure in (conv_run / "figures").glob("*.png"):
        assert f'data-file="figures/{figure.name}"' in html, figure.name
    # the report's own numbers, by the page's rule for their quantity (losses: four significant digits)
    for number in ("0.0057", "0.0058", "20.45", "5.137", "88.04", "87.98", "87.17", "86.81", "86.72"):
        assert number in html, number
    assert "Figure missing" not in html
    assert "Table 4" in html and "Ours beside Bastos &amp; Cordeiro, 2024 (test set" in html and "linear probe" in html
    assert "Summary: the autoencoders side by side (Bastos &amp; Cordeiro 2024, table 3, measured)" in html
    assert html.count("What to conclude") >= 5  # classifiers, linear floor, reconstructions, robustness, summary


def test_classifier_summary_lands_in_the_report(conv_run):
    html = (conv_run / "report.html").read_text()
    results = json.loads((conv_run / "metrics.json").read_text())["analyses"]["frozen_classifiers"]["results"]
    assert "best epoch" in html and "Linear 1152→32 → ReLU → Dropout(0.3) → Linear 32→10" in html
    for result in results.values():
        assert f"<td>{quantity(100 * result['head']['test_metrics']['accuracy'], 'percent')}</td>" in html
    best = max(r["head"]["test_metrics"]["accuracy"] for r in results.values())
    # the findings at the top show the record's fraction as a percentage, like the tables
    assert f"Highest frozen-encoder accuracy: " in html and f"({quantity(100 * best, 'percent')} %)" in html


def test_report_rebuilds_from_folder_alone(conv_run):
    before = (conv_run / "report.html").read_text()
    (conv_run / "report.html").unlink()
    assert run_cli("report", str(conv_run)).returncode == 0
    assert (conv_run / "report.html").read_text() == before

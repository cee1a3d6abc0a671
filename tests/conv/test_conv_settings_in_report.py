"""Every setting the study-2 report names is the run's own: run `genlab run conv --quick`
through the real CLI with changed settings and find them — and none of the shipped
defaults — in the report's prose and tables."""
from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli

CHANGED = ["--set", "train.lr=0.0021", "--set", "train.batch_size=96", "--set", "models.ae.train.epochs=1",
           "--set", "models.vae.params.latent_dim=7", "--set", "models.vae.params.reconstruction=bce",
           "--set", "models.dae.params.noise_factor=0.35", "--set", "analysis.frozen_classifiers.head.lr=0.0031",
           "--set", "analysis.frozen_classifiers.head.epochs=1", "--set", "analysis.frozen_classifiers.head.hidden=[24]", "--set", "analysis.frozen_classifiers.head.dropout=0.15",
           "--set", "analysis.frozen_classifiers.knn_k=3", "--set", "analysis.tsne.perplexity=12"]
SMALL = ["--set", "data.train_subset=600", "--set", "data.val_size=200", "--set", "data.test_subset=300",
         "--set", "analysis.tsne.points=100", "--set", "analysis.frozen_classifiers.probe_train_size=300",
         "--set", "analysis.noise_robustness.images=100", "--set", "analysis.noise_robustness.factors=[0.0,0.35,0.7]"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("conv_settings") / "run"
    result = run_cli("run", "conv", "--quick", "--out", str(out), "--no-progress", *SMALL, *CHANGED)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (out / "report.html").read_text()
    # the page ends with the resolved config (every setting, the head's too): judge the prose and tables only
    return html.split('id="config"')[0], out


def test_changed_settings_are_stated(report):
    body, _ = report
    for text in ("learning rate 0.0021", "learning rate 0.0031", "binary cross-entropy", "over its 7-d latent", "VAE 7-d",
                 "0.35·N(0, 1)", "Linear 1152→24 → ReLU → Dropout(0.15) → Linear 24→10", "3-nearest-neighbour",
                 "perplexity 12", "100 test images", "300 training images", "1 epoch"):
        assert text in body, text
    assert "<td>96</td>" in body  # every model's batch size in table 4


def test_shipped_defaults_are_not_stated(report):
    body, _ = report
    for text in ("1e-3", "learning rate 0.001", "20-d", "0.5·N", "Linear 512 → 2×20", "μ (20-d)", "1152-d AE/DAE",
                 "squared error summed", "5-nearest", "Dropout(0.3)", "perplexity 30", "PCA to 50", "noise factor 0.5"):
        assert text not in body, text


def test_pca_step_is_stated_only_where_it_ran(report):
    body, out = report
    codes = json.loads((out / "metrics.json").read_text())["analyses"]["tsne"]["results"]["codes"]
    assert codes["ae"]["pca"] == 50 and codes["vae"]["pca"] is None
    assert "The codes of AE, DAE are reduced to 50 dimensions by PCA first." in body

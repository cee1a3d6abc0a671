"""Study 1's report states the settings the run used, not the shipped study file's.

`genlab run dense --quick` on a tiny subset with changed settings (learning rate,
epochs, batch size, a VAE with a squared-error reconstruction and a 9-d latent, a GAN
with a 12-d latent, figure sizes); the report must name every changed value and none of
the shipped defaults. Generation metrics are off to keep the run short."""
from __future__ import annotations

import re

import pytest

from cli_helpers import run_cli

CHANGED = ["--set", "data.train_subset=300", "--set", "data.val_size=100", "--set", "data.test_subset=100",
           "--set", "train.lr=0.0023", "--set", "train.epochs=1",
           "--set", "models.ae64.train.batch_size=48", "--set", "models.ae64.train.epochs=2",
           "--set", "models.vae.params.reconstruction=mse", "--set", "models.vae.params.latent_dim=9",
           "--set", "models.gan_normal.params.latent_dim=12",
           "--set", "analysis.generation.enabled=false", "--set", "analysis.latent_2d.scatter_points=90",
           "--set", "analysis.reconstruction_pairs.images=7", "--set", "analysis.latent_2d.grid_size=4",
           "--set", "analysis.samples.images=20", "--set", "analysis.samples.grid=true"]


@pytest.fixture(scope="module")
def body(tmp_path_factory) -> str:
    """The report's prose and tables (the resolved-config appendix, which lists every key, cut off)."""
    out = tmp_path_factory.mktemp("dense-settings") / "run"
    result = run_cli("run", "dense", "--quick", "--out", str(out), "--no-progress", *CHANGED,
                     env={"GENLAB_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    html = (out / "report.html").read_text()
    return html.split('<h2 id="config">')[0]


def _row(body: str, title: str) -> list[str]:
    match = re.search(rf"<tr><td>{re.escape(title)}</td>(.*?)</tr>", body)
    assert match, title
    return re.findall(r"<td>(.*?)</td>", match.group(1))


def test_report_states_the_changed_settings(body):
    assert "lr 0.0023" in body
    assert "per-image squared error summed over the pixels" in body  # the VAE's reconstruction: mse
    assert "over its 9-d latent" in body and "latent_dim=9" in body
    assert "latent_dim=12" in body  # the GAN's latent size
    assert _row(body, "AE-64")[:2] == ["2", "48"]  # epochs, batch size of that model alone
    assert _row(body, "VAE-9")[:2] == ["1", "128"]  # its title follows its latent_dim
    assert "The first 7 images" in body and "decoded 4×4 grid" in body and "20 samples — " in body
    assert "Trained on 300 Fashion-MNIST training images (1×28×28, 10 classes; 100 held out" in body
    assert "tested on 100 test images" in body


def test_report_has_none_of_the_shipped_defaults(body):
    assert "binary cross-entropy" not in body  # the shipped VAE's bce
    assert not re.search(r"(?<![\d.])0\.001(?!\d)", body)  # the shipped learning rate
    assert not re.search(r"(?<![\d.])0\.0002(?!\d)", body)  # the shipped GAN learning rate
    assert "latent_dim: 64, hidden: [256], reconstruction: bce" not in body
    for literal in ("decoded 15×15", "The first 10 images", "100 samples from", "Adam lr", "5,000 held out"):
        assert literal not in body, literal
    assert "Generation quality" not in body  # switched off: no section, no stale numbers


@pytest.mark.parametrize("override, fragment", [
    ("analysis.reconstruction_pairs.images=0", "analysis.reconstruction_pairs.images must be from 1"),
    ("analysis.latent_2d.scatter_points=0", "analysis.latent_2d.scatter_points must be from 1"),
    ("analysis.latent_2d.grid_size=1", "analysis.latent_2d.grid_size must be from 2"),
    ("analysis.generation.epoch_fid_n=1", "analysis.generation.epoch_fid_n must be from 2"),
    ("analysis.generation.samples=5", "analysis.generation.samples must be from 10"),
    ("analysis.generation.feature_net.epochs=0", "analysis.generation.feature_net.epochs must be >= 1"),
    ("analysis.reported.nope={loss: 1}", "analysis.reported names 'nope'"),
    ("analysis.reported.vae.lossy=1", "analysis.reported.vae.lossy is not a known reported number"),
    ("analysis.generation.epoch_fid=[nosuch]", "asked for model 'nosuch', which is not a model of this study"),
    ("analysis.latent_2d.nosuch=1", "unknown key 'analysis.latent_2d.nosuch'"),
    ("analysis.scatter_points=9", "unknown key 'analysis.scatter_points' for the dense study"),
])
def test_bad_settings_fail_in_preflight_with_one_line(override, fragment):
    from genlab.config import load_study
    from genlab.errors import GenlabError
    from genlab.studies.dense import STUDY

    with pytest.raises(GenlabError) as info:
        STUDY.preflight(load_study("dense", [override]))
    assert fragment in str(info.value) and "\n" not in str(info.value)

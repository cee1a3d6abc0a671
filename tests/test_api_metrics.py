"""Run.metrics() files each number under the model it belongs to: curves keyed by a model's title
get {title} in their path; numbers keyed by a model's name keep their path; the rest are the run's."""
from __future__ import annotations

from genlab.api import _owner

TITLES = {"vae": "VAE-16", "vae_big": "VAE-64", "ae": "AE-2"}


def test_title_in_the_path_becomes_a_placeholder():
    assert _owner("noise_robustness:curves.VAE-16.psnr[0]", TITLES) == ("vae", "noise_robustness:curves.{title}.psnr[0]")
    assert _owner("latent:dead.AE-2", TITLES) == ("ae", "latent:dead.{title}")


def test_model_name_in_the_path_keeps_the_path():
    assert _owner("tsne:silhouette.vae_big.k5", TITLES) == ("vae_big", "tsne:silhouette.vae_big.k5")
    assert _owner("tsne:silhouette.vae", TITLES) == ("vae", "tsne:silhouette.vae")


def test_run_wide_numbers_belong_to_the_run():
    assert _owner("generation:real_fid_floor", TITLES) == ("run", "generation:real_fid_floor")

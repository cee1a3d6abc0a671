"""The feature network genlab ships for Fashion-MNIST (fmnist-v1): in the package, at most 2 MB,
its SHA-256 pinned by its manifest, loaded by default for the official release (no training on
first use: `bash scripts/demo.sh` trains none), and measuring the fixed sets exactly as its
manifest says, to the digits genlab prints, on whatever machine runs this test — the check that
a genlab FID means the same everywhere."""
from __future__ import annotations

import dataclasses

import pytest

from genlab.config import load_study
from genlab.generation import features, fixed_sets, shipped
from genlab.generation.evaluate import run_feature_net

MAX_BYTES = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def canonical():
    found = [s for s in shipped.manifests() if s.manifest["dataset"]["key"] == "fashion_mnist"]
    assert found, "no Fashion-MNIST feature network under src/genlab/generation/networks"
    return found[0]


def test_the_shipped_weights_are_small_and_pinned(canonical, fmnist):
    assert canonical.name == "fmnist-v1" and canonical.weights.is_file()
    assert canonical.weights.stat().st_size <= MAX_BYTES
    assert features.file_sha256(canonical.weights) == canonical.sha256
    m = canonical.manifest
    assert m["dataset"]["identity"] == fmnist.identity and m["dataset"]["official"]
    assert m["config"] == dataclasses.asdict(features.FeatureNetConfig()) and m["arch_version"] == features.ARCH_VERSION
    assert m["test_accuracy"] >= 0.9 and m["training"]["threads"] >= 1 and "--write-shipped" in m["training"]["command"]


def test_the_official_data_at_default_settings_loads_it_and_trains_nothing(canonical, fmnist, quality_cache,
                                                                           monkeypatch):
    monkeypatch.setattr(features, "train", lambda *a, **k: pytest.fail("trained a feature network"))
    fnet, trained = features.load_or_train(features.FeatureNetConfig(), fmnist, fmnist.mirror, progress=False)
    assert not trained and fnet.name == canonical.name and fnet.sha256 == canonical.sha256
    assert not features.model_dir(features.FeatureNetConfig(), fmnist).path.exists()


@pytest.mark.parametrize("study", ["dense", "gen", "conv"])
@pytest.mark.parametrize("quick", [True, False])
def test_the_shipped_studies_ask_for_the_shipped_network(study, quick):
    """demo.sh runs `dense --quick`: its feature network settings must be the shipped ones."""
    assert run_feature_net(load_study(study, quick=quick)) == features.FeatureNetConfig()


def test_its_fixed_sets_measure_as_stored_to_the_printed_digit(canonical, fmnist, quality_cache):
    fnet = features.load_shipped(features.FeatureNetConfig(), fmnist, fmnist.mirror)
    stored = canonical.manifest["fixed_sets"]["printed"]
    values = fixed_sets.measure(fnet, fmnist)
    assert fixed_sets.mismatches(stored, values) == []
    assert stored["real floor"]["fid"] == shipped.printed("fid", values["real floor"]["fid"])

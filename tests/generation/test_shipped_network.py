"""Shipped feature networks: written by `genlab metrics-net --retrain --write-shipped`, loaded
instead of training where the configuration and the data's identity match (nothing trained,
nothing written under metrics-net but derived features), verified by SHA-256, versioned in
their name; anything else (another config, other data) trains on first use as before.

These tests ship the tiny test network into a temporary folder; test_canonical_network.py
checks the network genlab really ships."""
from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from genlab.errors import GenlabError
from genlab.generation import features, fixed_sets, metrics_net, shipped
from generation_helpers import TINY_NET


@pytest.fixture(scope="module")
def tiny_shipped(tmp_path_factory, tiny_net, fmnist):
    """The tiny network written out as a shipped one (and its fixed sets measured)."""
    folder = tmp_path_factory.mktemp("networks")
    req = metrics_net.MetricsNetRequest(retrain=True, write_shipped=folder, cfg=TINY_NET)
    said = metrics_net.write_shipped(tiny_net, fmnist, folder, req)
    return folder, said


@pytest.fixture
def ship_from(monkeypatch):
    def use(folder):
        monkeypatch.setattr(shipped, "NETWORKS", folder)
        shipped.forget()
    yield use
    shipped.forget()


def test_write_shipped_writes_weights_and_a_manifest(tiny_shipped, tiny_net, fmnist):
    folder, said = tiny_shipped
    assert said.startswith("fmnist-v1: ")
    manifest = json.loads((folder / "fashion_mnist-v1.json").read_text())
    assert manifest["name"] == "fmnist-v1" and manifest["version"] == 1 and manifest["weights"] == "fashion_mnist-v1.pt"
    assert manifest["sha256"] == tiny_net.sha256 == features.file_sha256(folder / "fashion_mnist-v1.pt")
    assert manifest["dataset"]["identity"] == fmnist.identity and manifest["config"] == dataclasses.asdict(TINY_NET)
    assert "--retrain --threads" in manifest["training"]["command"]
    sets = manifest["fixed_sets"]["printed"]
    assert set(sets) == set(fixed_sets.fixed_sets(fmnist)) and set(sets["real floor"]) == set(shipped.PRINTED)
    assert float(sets["uniform noise"]["fid"]) > float(sets["real floor"]["fid"])


def test_a_matching_run_loads_the_shipped_network_and_trains_nothing(tiny_shipped, ship_from, fmnist, quality_cache,
                                                                     monkeypatch):
    folder, _ = tiny_shipped
    ship_from(folder)
    monkeypatch.setattr(features, "train", lambda *a, **k: pytest.fail("trained a shipped network"))
    fnet, trained = features.load_or_train(TINY_NET, fmnist, fmnist.mirror, progress=False)
    assert not trained and fnet.shipped and fnet.name == "fmnist-v1" and fnet.path == folder / "fashion_mnist-v1.pt"
    features.reference_features(fnet, fmnist)  # derived files go to the user cache, never beside the weights
    assert sorted(p.name for p in folder.iterdir()) == ["fashion_mnist-v1.json", "fashion_mnist-v1.pt"]
    assert (quality_cache / "metrics-net" / "fmnist-v1").is_dir()


def test_the_shipped_network_measures_its_fixed_sets_to_the_printed_digit(tiny_shipped, ship_from, fmnist):
    folder, _ = tiny_shipped
    ship_from(folder)
    fnet, _ = features.load_or_train(TINY_NET, fmnist, fmnist.mirror, progress=False)
    stored = fnet.record["fixed_sets"]["printed"]
    values = fixed_sets.measure(fnet, fmnist)
    assert fixed_sets.mismatches(stored, values) == []
    wrong = {**stored, "real floor": {**stored["real floor"], "fid": "99.999"}}
    assert fixed_sets.mismatches(wrong, values) == [f"real floor fid: {stored['real floor']['fid']} here, 99.999 stored"]


def test_other_data_or_another_config_is_not_the_shipped_network(tiny_shipped, ship_from, fmnist):
    folder, _ = tiny_shipped
    ship_from(folder)
    other_data = dataclasses.replace(fmnist, identity="0" * 64)  # a subset, a re-encoding: other content
    assert features.load_shipped(TINY_NET, other_data) is None
    assert features.load_shipped(dataclasses.replace(TINY_NET, seed=1), fmnist) is None
    assert features.load_shipped(features.FeatureNetConfig(), fmnist) is None  # shipped here: the tiny config only


def test_a_changed_shipped_file_is_refused(tiny_shipped, ship_from, fmnist, tmp_path):
    folder = tmp_path / "networks"
    shutil.copytree(tiny_shipped[0], folder)
    weights = folder / "fashion_mnist-v1.pt"
    weights.write_bytes(weights.read_bytes() + b"x")
    ship_from(folder)
    with pytest.raises(GenlabError, match="fmnist-v1 shipped with genlab .* fails its checksum.*reinstall genlab"):
        features.load_or_train(TINY_NET, fmnist, progress=False)


def test_a_new_version_ships_beside_the_old_and_becomes_the_default(tiny_shipped, ship_from, fmnist, tiny_net,
                                                                    tmp_path):
    folder = tmp_path / "networks"
    shutil.copytree(tiny_shipped[0], folder)
    req = metrics_net.MetricsNetRequest(retrain=True, write_shipped=folder, cfg=TINY_NET)
    with pytest.raises(GenlabError, match="already shipped there as fmnist-v1"):
        metrics_net.write_shipped(tiny_net, fmnist, folder, req)
    other = dataclasses.replace(tiny_net, sha256="cd" * 32)  # stands for a network trained elsewhere
    manifest = metrics_net.manifest(other, fmnist, "fmnist-v2", 2, "fashion_mnist-v2", {}, req)
    (folder / "fashion_mnist-v2.pt").write_bytes((folder / "fashion_mnist-v1.pt").read_bytes())
    (folder / "fashion_mnist-v2.json").write_text(json.dumps(manifest))
    ship_from(folder)
    assert shipped.next_name("fashion_mnist", folder) == ("fmnist-v3", 3)
    assert shipped.for_data(dataclasses.asdict(TINY_NET), features.ARCH_VERSION, fmnist.identity, fmnist.shape,
                            fmnist.classes).name == "fmnist-v2"


def test_names_say_which_network_measured(tiny_net, fmnist, quality_cache):
    assert tiny_net.name == f"fashion_mnist-local-{tiny_net.sha256[:12]}" and not tiny_net.shipped
    assert shipped.metric_name("FID", "fmnist-v1") == "FID-fmnist-v1"
    assert shipped.network_name({"name": "fmnist-v1", "sha256": "ab" * 32}) == "fmnist-v1"
    assert shipped.network_name({}) == ""
    assert shipped.printed("fid", 0.07149) == "0.071" and shipped.printed("kid", -1e-7) == "0.00000"


def test_metrics_net_refuses_write_shipped_without_retrain(fmnist):
    with pytest.raises(GenlabError, match="add --retrain"):
        metrics_net.run(fmnist, metrics_net.MetricsNetRequest(write_shipped=fmnist.source))


def test_the_retrain_check_prints_each_sets_fid_and_the_largest_difference():
    stored = {"real floor": {"fid": "0.071"}, "uniform noise": {"fid": "250.000"}}
    here = {"real floor": {"fid": 0.0712}, "uniform noise": {"fid": 250.0}}
    retrained = {"real floor": {"fid": 0.081}, "uniform noise": {"fid": 247.5}}
    lines = fixed_sets.comparison(stored, here, retrained)
    assert lines[1].split() == ["real", "floor", "0.071", "0.071", "0.081", "+0.010"]
    assert lines[-1] == "largest FID difference, retrained − shipped: -2.500 (uniform noise; shipped 250.000, 1.0% of it)"
    assert fixed_sets.comparison(stored, None, retrained)[1].split()[3] == "—"  # not measured here

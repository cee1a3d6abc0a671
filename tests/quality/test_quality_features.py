"""The feature network's cache: miss trains, hit reuses, a changed file is refused."""
from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from genlab.errors import GenlabError
from genlab.quality import features
from quality_helpers import TINY_NET


def test_cache_lives_under_genlab_cache(quality_cache, tiny_net):
    assert features.cache_root() == quality_cache
    assert tiny_net.path.parent == quality_cache / "metrics-net"
    record = json.loads(tiny_net.path.with_suffix(".json").read_text())
    assert record["sha256"] == features.file_sha256(tiny_net.path) == tiny_net.sha256
    assert 0 <= record["test_accuracy"] <= 1 and record["train_images"] == 256


def test_cache_hit_reuses_the_stored_network(tiny_net):
    again, trained = features.load_or_train(TINY_NET, progress=False)
    assert not trained and again.sha256 == tiny_net.sha256
    for a, b in zip(again.net.state_dict().values(), tiny_net.net.state_dict().values()):
        assert torch.equal(a, b)


def test_cache_miss_for_another_config_trains_a_new_file(quality_cache):
    other = dataclasses.replace(TINY_NET, train_subset=128)
    assert features.load(other) is None  # miss: nothing cached under this config's key
    fnet, trained = features.load_or_train(other, progress=False)
    assert trained and fnet.path != features.weights_path(TINY_NET) and fnet.path.is_file()
    assert features.load(other).sha256 == fnet.sha256  # now a hit


def test_a_changed_weights_file_is_refused(quality_cache):
    other = dataclasses.replace(TINY_NET, train_subset=64)
    fnet, _ = features.load_or_train(other, progress=False)
    fnet.path.write_bytes(fnet.path.read_bytes() + b"x")
    with pytest.raises(GenlabError, match="fails its checksum"):
        features.load(other)
    fixed, trained = features.load_or_train(other, retrain=True, progress=False)  # --retrain repairs it
    assert trained and features.load(other).sha256 == fixed.sha256


def test_extract_shapes_and_reference_cache(tiny_net):
    images = torch.randint(0, 256, (7, 28, 28), dtype=torch.uint8)
    feats, logits = features.extract(tiny_net.net, images, batch_size=3)
    assert feats.shape == (7, 16) and logits.shape == (7, 10)
    ref, ref_logits = features.reference_features(tiny_net)
    assert ref.shape == (10_000, 16) and ref_logits.shape == (10_000, 10)
    again, _ = features.reference_features(tiny_net)  # second call reads the disk cache
    assert torch.equal(ref, again)


def test_floor_images_are_held_out_from_feature_training():
    train_idx, floor_idx = features.holdout_split()
    assert len(floor_idx) == features.FLOOR_SIZE and len(train_idx) == 60_000 - features.FLOOR_SIZE
    assert not set(floor_idx.tolist()) & set(train_idx.tolist())

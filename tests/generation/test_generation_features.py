"""The feature network's cache: miss trains, hit reuses, a changed file is refused."""
from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from genlab.errors import GenlabError
from genlab.generation import features
from generation_helpers import TINY_NET


def test_cache_lives_under_genlab_cache(quality_cache, tiny_net):
    assert features.cache_root() == quality_cache
    assert tiny_net.path.parent == quality_cache / "metrics-net" / f"fmnist-cnn-{TINY_NET.key()}"
    record = json.loads((tiny_net.path.parent / "record.json").read_text())
    assert record["sha256"] == features.file_sha256(tiny_net.path) == tiny_net.sha256
    assert 0 <= record["test_accuracy"] <= 1 and record["train_images"] == 256


def test_feature_net_trains_through_the_one_trainer(tiny_net):
    """The trainer's model folder: one metrics line per epoch with train and test accuracy,
    the TrainConfig that reproduces the original recipe."""
    folder = features.model_dir(TINY_NET)
    records = folder.read_metrics()
    assert len(records) == TINY_NET.epochs and {"loss", "accuracy"} <= set(records[0]["train"])
    summary = folder.read_summary()
    assert summary["final"]["test"]["accuracy"] == tiny_net.record["test_accuracy"]
    cfg = features.FeatureNetConfig().train_config()
    assert (cfg.optimizer, cfg.lr, cfg.schedule, cfg.weight_decay, cfg.epochs, cfg.batch_size) == \
        ("adamw", 3e-3, "onecycle", 5e-4, 12, 128)


def test_augmentation_and_label_smoothing_apply_in_training_only():
    torch.manual_seed(0)
    net = features.FashionCNN(width=2, feature_dim=4)
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    net.eval()
    plain = torch.nn.functional.cross_entropy(net(x), y, label_smoothing=features.LABEL_SMOOTHING)
    assert torch.allclose(net.loss(x, y, "model").total, plain)  # eval: no augmentation, smoothing 0.05
    assert not torch.allclose(torch.nn.functional.cross_entropy(net(x), y), plain)


def test_feature_net_settings_are_checked():
    with pytest.raises(GenlabError, match="feature_net.epochs"):
        features.FeatureNetConfig(epochs=0)


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

"""The feature network of a dataset: trained per dataset through the one trainer, cached
under its identity, verified on load, built for any image shape, and built without touching
the random stream of a training it runs inside."""
from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from data_writers import write_cifar10
from genlab.config import DataConfig
from genlab.data import load
from genlab.errors import GenlabError
from genlab.generation import features
from generation_helpers import TINY_NET


def test_cache_lives_under_genlab_cache_keyed_by_the_data(quality_cache, tiny_net, fmnist):
    assert features.cache_root() == quality_cache
    assert tiny_net.path.parent == quality_cache / "metrics-net" / f"fashion_mnist-cnn-{TINY_NET.key(fmnist)}"
    record = json.loads((tiny_net.path.parent / "record.json").read_text())
    assert record["sha256"] == features.file_sha256(tiny_net.path) == tiny_net.sha256
    assert 0 <= record["test_accuracy"] <= 1 and record["train_images"] == 256
    assert record["data"] == {"key": "fashion_mnist", "title": "Fashion-MNIST", "identity": fmnist.identity}


def test_the_key_changes_with_the_datas_identity(fmnist):
    other = dataclasses.replace(fmnist, identity="0" * 64)
    assert TINY_NET.key(other) != TINY_NET.key(fmnist)


def test_feature_net_trains_through_the_one_trainer(tiny_net, fmnist):
    """The trainer's model folder: one metrics line per epoch with train and test accuracy,
    the TrainConfig that reproduces the original recipe."""
    folder = features.model_dir(TINY_NET, fmnist)
    records = folder.read_metrics()
    assert len(records) == TINY_NET.epochs and {"loss", "accuracy"} <= set(records[0]["train"])
    summary = folder.read_summary()
    assert summary["final"]["test"]["accuracy"] == tiny_net.record["test_accuracy"]
    cfg = features.FeatureNetConfig().train_config()
    assert (cfg.optimizer, cfg.lr, cfg.schedule, cfg.weight_decay, cfg.epochs, cfg.batch_size) == \
        ("adamw", 3e-3, "onecycle", 5e-4, 12, 128)


def test_augmentation_and_label_smoothing_apply_in_training_only():
    torch.manual_seed(0)
    net = features.FeatureCNN((1, 28, 28), 10, width=2, feature_dim=4)
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    net.eval()
    plain = torch.nn.functional.cross_entropy(net(x), y, label_smoothing=features.LABEL_SMOOTHING)
    assert torch.allclose(net.loss(x, y, "model").total, plain)  # eval: no augmentation, smoothing 0.05
    assert not torch.allclose(torch.nn.functional.cross_entropy(net(x), y), plain)


def test_augmentation_mirrors_only_where_the_data_allows():
    x = torch.arange(2 * 1 * 6 * 6, dtype=torch.float32).view(2, 1, 6, 6)
    flips = 0
    for seed in range(20):
        kept = features.augment(x, mirror=False, generator=torch.Generator().manual_seed(seed))
        flipped = features.augment(x, mirror=True, generator=torch.Generator().manual_seed(seed))
        flips += not torch.equal(kept, flipped)
        assert kept.shape == x.shape
    assert flips > 0  # with mirror on, some draws flip; with it off none does (same shifts otherwise)


def test_fashion_mnist_pixel_statistics_are_the_known_ones(fmnist):
    assert features.pixel_stats(fmnist.train_images) == ((0.286,), (0.353,))


def test_feature_net_settings_are_checked():
    with pytest.raises(GenlabError, match="feature_net.epochs"):
        features.FeatureNetConfig(epochs=0)


def test_cache_hit_reuses_the_stored_network(tiny_net, fmnist):
    again, trained = features.load_or_train(TINY_NET, fmnist, progress=False)
    assert not trained and again.sha256 == tiny_net.sha256
    for a, b in zip(again.net.state_dict().values(), tiny_net.net.state_dict().values()):
        assert torch.equal(a, b)


def test_loading_does_not_draw_from_the_global_random_stream(tiny_net, fmnist):
    """The per-epoch FID loads the network inside a training: the training's stream must not move."""
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    features.load(TINY_NET, fmnist)
    assert torch.equal(torch.rand(3), expected)


def test_cache_miss_for_another_config_trains_a_new_file(quality_cache, fmnist):
    other = dataclasses.replace(TINY_NET, train_subset=128)
    assert features.load(other, fmnist) is None  # miss: nothing cached under this config's key
    fnet, trained = features.load_or_train(other, fmnist, progress=False)
    assert trained and fnet.path != features.model_dir(TINY_NET, fmnist).final and fnet.path.is_file()
    assert features.load(other, fmnist).sha256 == fnet.sha256  # now a hit


def test_a_changed_weights_file_is_refused(quality_cache, fmnist):
    other = dataclasses.replace(TINY_NET, train_subset=64)
    fnet, _ = features.load_or_train(other, fmnist, progress=False)
    fnet.path.write_bytes(fnet.path.read_bytes() + b"x")
    with pytest.raises(GenlabError, match="fails its checksum"):
        features.load(other, fmnist)
    fixed, trained = features.load_or_train(other, fmnist, retrain=True, progress=False)  # --retrain repairs it
    assert trained and features.load(other, fmnist).sha256 == fixed.sha256


def test_extract_shapes_and_reference_cache(tiny_net, fmnist):
    images = torch.randint(0, 256, (7, 1, 28, 28), dtype=torch.uint8)
    feats, logits = features.extract(tiny_net.net, images, batch_size=3)
    assert feats.shape == (7, 16) and logits.shape == (7, 10)
    ref, ref_logits = features.reference_features(tiny_net, fmnist)
    assert ref.shape == (10_000, 16) and ref_logits.shape == (10_000, 10)
    again, _ = features.reference_features(tiny_net, fmnist)  # second call reads the disk cache
    assert torch.equal(ref, again)


def test_floor_images_are_held_out_from_feature_training():
    train_idx, floor_idx = features.holdout_split(60_000)
    assert len(floor_idx) == features.FLOOR_SIZE and len(train_idx) == 60_000 - features.FLOOR_SIZE
    assert not set(floor_idx.tolist()) & set(train_idx.tolist())
    assert len(features.holdout_split(600)[1]) == 100  # a sixth of a small set


def test_a_colour_dataset_gets_its_own_network(quality_cache, tmp_path):
    """CIFAR-10-format files: a 3-channel network for 32×32 images and its own cache entry."""
    data = load(DataConfig(dataset="cifar10", root=str(write_cifar10(tmp_path / "c", per_batch=40, n_test=60))))
    fnet, trained = features.load_or_train(TINY_NET, data, data.mirror, progress=False)
    assert trained and fnet.path.parent.name.startswith("cifar10-cnn-")
    feats, logits = features.extract(fnet.net, data.test_images)
    assert feats.shape == (60, 16) and logits.shape == (60, 10) and tuple(fnet.net.mean.shape) == (1, 3, 1, 1)


def test_unlabelled_data_has_no_feature_network(fmnist):
    unlabelled = dataclasses.replace(fmnist, classes=None)
    with pytest.raises(GenlabError, match="no class labels"):
        features.load_or_train(TINY_NET, unlabelled, progress=False)

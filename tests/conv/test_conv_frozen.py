"""A frozen-encoder classifier trains its head and leaves the encoder exactly as it was."""
from __future__ import annotations

import copy

import torch

from genlab import registry
from genlab.evaluation.classify import HeadConfig, train_classifier
from genlab.evaluation.probes import Features
from genlab.methods.classifier import FrozenEncoderClassifier, PixelEncoder
from genlab.runs import ModelDir


def _data(n: int = 64, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_training_steps_change_the_head_only():
    # norm=batch: the encoder holds BatchNorm running statistics, which train mode would update
    encoder = registry.build("conv_ae", {"norm": "batch"})
    before = copy.deepcopy(encoder.state_dict())
    clf = FrozenEncoderClassifier(encoder, 1152, [32], dropout=0.1)
    head_before = copy.deepcopy(clf.head.state_dict())
    optimizer = torch.optim.Adam(clf.parameters(), lr=1e-2)  # even handed every parameter, Adam cannot move frozen ones
    clf.train()
    assert not encoder.training and clf.head.training
    x, y = _data()
    for _ in range(3):
        loss = clf.loss(x, y)
        optimizer.zero_grad()
        loss.total.backward()
        optimizer.step()
    _assert_same(encoder.state_dict(), before)
    assert all(not p.requires_grad and p.grad is None for p in encoder.parameters())
    assert any(not torch.equal(clf.head.state_dict()[k], v) for k, v in head_before.items())
    assert set(map(id, clf.parameter_groups()["model"])) == set(map(id, clf.head.parameters()))


def test_study_training_loop_leaves_encoder_unchanged(tmp_path):
    encoder = registry.build("conv_vae")
    before = copy.deepcopy(encoder.state_dict())
    clf = FrozenEncoderClassifier(encoder, 20, [16])
    x, y = _data(96)
    feats = Features(clf.features(x), y)
    summary = train_classifier(clf, feats, feats.head(32), feats.head(32), HeadConfig(hidden=[16], epochs=2, batch_size=32),
                               0, ModelDir(tmp_path / "clf"))
    _assert_same(encoder.state_dict(), before)
    assert len(ModelDir(tmp_path / "clf").read_metrics()) == 2 and summary["best_epoch"] in (1, 2)
    assert 0 <= summary["test"]["accuracy"] <= 1


def test_features_equal_the_encoders_code_and_cached_loss_equals_full_loss():
    encoder = registry.build("conv_dae").eval()
    clf = FrozenEncoderClassifier(encoder, 1152, [8]).eval()
    x, y = _data(16)
    assert torch.equal(clf.features(x), encoder.encode(x))
    assert torch.allclose(clf.loss(x, y).total, clf.loss_from_features(clf.features(x), y).total)


def test_pixel_baseline_has_nothing_to_train():
    clf = FrozenEncoderClassifier(PixelEncoder(), 784, [8])
    assert clf(torch.rand(5, 1, 28, 28)).shape == (5, 10)
    assert list(clf.encoder.parameters()) == []

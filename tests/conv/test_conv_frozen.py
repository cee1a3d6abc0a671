"""A frozen-encoder classifier trains its head and leaves the encoder exactly as it was."""
from __future__ import annotations

import copy

import torch

from genlab import registry
from genlab.data.splits import Features
from genlab.engine.trainer import TrainerOptions
from genlab.representation.classify import HeadConfig, train_head
from genlab.methods.classifier import ClassifierHead, FrozenEncoderClassifier, PixelEncoder
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
    encoder = registry.build("conv_ae", {"norm": "batch"}, shape=(1, 28, 28), classes=10)
    before = copy.deepcopy(encoder.state_dict())
    clf = FrozenEncoderClassifier(encoder, ClassifierHead(1152, 10, [32], dropout=0.1))
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


def test_head_trains_through_the_one_trainer_and_leaves_encoder_unchanged(tmp_path):
    encoder = registry.build("conv_ae", {"norm": "batch"}, shape=(1, 28, 28), classes=10)
    before = copy.deepcopy(encoder.state_dict())
    clf = FrozenEncoderClassifier(encoder, ClassifierHead(1152, 10, [16]))
    x, y = _data(96)
    feats = Features(clf.features(x), y)
    out = ModelDir(tmp_path / "clf")
    summary = train_head(clf.head, {"train": feats, "val": feats.head(32), "test": feats.head(32)},
                         HeadConfig(hidden=[16], epochs=2, batch_size=32), out, 0, TrainerOptions("cpu", progress=False))
    _assert_same(encoder.state_dict(), before)
    records = out.read_metrics()
    assert len(records) == 2 and {"loss", "accuracy"} <= set(records[0]["val"])
    assert out.final.is_file() and (out.path / "best.json").is_file()
    assert not list(out.checkpoints.glob("*.pt"))  # epoch checkpoints were for resuming: gone once finished
    assert summary["best"]["epoch"] in (1, 2) and summary["epochs"] == 2
    assert 0 <= summary["test_metrics"]["accuracy"] <= 1 and len(summary["test_metrics"]["confusion"]) == 10
    assert summary["layers"] == "Linear 1152→16 → ReLU → Linear 16→10"
    # resuming a finished head reads it back instead of training again
    again = ClassifierHead(1152, 10, [16])
    assert train_head(again, {"train": feats, "val": feats, "test": feats}, HeadConfig(hidden=[16], epochs=2),
                      out, 0, TrainerOptions("cpu", resume=True, progress=False)) == summary
    _assert_same(again.state_dict(), clf.head.state_dict())


def test_features_equal_the_encoders_code_and_cached_loss_equals_full_loss():
    encoder = registry.build("conv_dae", shape=(1, 28, 28), classes=10).eval()
    clf = FrozenEncoderClassifier(encoder, ClassifierHead(1152, 10, [8])).eval()
    x, y = _data(16)
    assert torch.equal(clf.features(x), encoder.encode(x))
    assert torch.allclose(clf.loss(x, y).total, clf.head.loss(clf.features(x), y).total)


def test_pixel_baseline_has_nothing_to_train():
    clf = FrozenEncoderClassifier(PixelEncoder(), ClassifierHead(784, 10, [8]))
    assert clf(torch.rand(5, 1, 28, 28)).shape == (5, 10)
    assert list(clf.encoder.parameters()) == []

"""The feature network behind every generation metric: a small CNN classifier of the
run's dataset.

Inception-v3 features describe ImageNet photographs, not small grey or colour images, and
its weights cannot be downloaded offline. genlab instead trains this classifier — through
the one trainer (genlab.engine.trainer.train), as a Method whose loss is label-smoothed
cross-entropy on lightly augmented batches — once per dataset into a model folder in the
user cache, keyed by the dataset's identity (a hash of its content), its shape and this
configuration. It records the SHA-256 of its weights file (checked on every load, so a
corrupt or swapped file cannot silently change every FID) and reuses it. Its penultimate
activations define FID / KID / precision-recall; its softmax the class histogram and the
classifier-based Inception Score. It needs class labels: unlabelled data has no feature
network, and its runs skip these metrics with a sentence.

Where genlab ships a network for the run's data and configuration (genlab.generation.shipped:
the official Fashion-MNIST at the default settings), that one is loaded instead and nothing is
trained, so that every machine measures in the same feature space; its name says which
(fmnist-v1). A network trained here is named `<dataset>-local-<sha12>`.

It trains on the dataset's training images but a fixed, seeded hold-out (a sixth of
them, at most 10,000): the "real-data floor" set, real images the network never saw,
compared against the test set exactly like generated ones.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genlab import atomic
from genlab.errors import GenlabError
from genlab.generation import shipped
from genlab.generation.netcache import cache_root, file_sha256, training_lock
from genlab.methods.base import Loss, Method
from genlab.runs import ModelDir

# 3: per-dataset (shape, classes, pixel statistics from the data, key with the data's identity)
ARCH_VERSION = 3
FLOOR_SIZE = 10_000  # at most; a sixth of the training images for smaller sets
FLOOR_SEED = 20240601  # fixes which training images are held out for the real-data floor
LABEL_SMOOTHING = 0.05


@dataclass(frozen=True)
class FeatureNetConfig:
    """How the feature network is trained. Every field enters the cache key."""

    width: int = 32
    feature_dim: int = 128
    epochs: int = 12  # 4 epochs reached only 91.2% test accuracy on Fashion-MNIST
    batch_size: int = 128
    lr: float = 3e-3  # AdamW, onecycle peak
    weight_decay: float = 5e-4
    train_subset: int | None = None  # tests train on a few hundred images
    test_subset: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for key in ("width", "feature_dim", "epochs", "batch_size"):
            if getattr(self, key) < 1:
                raise GenlabError(f"analysis.generation.feature_net.{key} must be >= 1, got {getattr(self, key)}")
        for key in ("train_subset", "test_subset"):
            if getattr(self, key) is not None and getattr(self, key) < 1:
                raise GenlabError(f"analysis.generation.feature_net.{key} must be a positive integer or null")
        if not 0 < self.lr < 10 or self.weight_decay < 0:
            raise GenlabError(f"analysis.generation.feature_net: lr must be in (0, 10) and weight_decay >= 0, "
                              f"got lr {self.lr}, weight_decay {self.weight_decay}")

    def key(self, data) -> str:
        """The cache key: this configuration and the data's identity, shape and classes."""
        text = json.dumps({"arch": ARCH_VERSION, **dataclasses.asdict(self), "data": data.identity,
                           "shape": list(data.shape), "classes": list(data.classes)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def train_config(self):
        """The TrainConfig the one trainer trains the network with."""
        from genlab.config import TrainConfig

        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, optimizer="adamw", lr=self.lr,
                           weight_decay=self.weight_decay, schedule="onecycle", keep_checkpoints=1,
                           tensorboard=False)


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class FeatureCNN(Method):
    """VGG-ish: H×W → H/2×W/2 → H/4×W/4 convolutions with BN (28×28 → 14×14 → 7×7), then a
    feature layer. Inputs are standardised by the training images' per-channel pixel mean
    and std (buffers, so they travel with the weights)."""

    def __init__(self, shape: tuple[int, int, int], classes: int, width: int = 32, feature_dim: int = 128,
                 mean: tuple[float, ...] | None = None, std: tuple[float, ...] | None = None, mirror: bool = True):
        super().__init__()
        channels, height, w = shape
        self.register_buffer("mean", torch.tensor(mean or [0.5] * channels).view(1, channels, 1, 1))
        self.register_buffer("std", torch.tensor(std or [0.25] * channels).view(1, channels, 1, 1))
        self.mirror = mirror  # flip images left-right in training (not for data whose class a flip changes)
        self.body = nn.Sequential(
            *_block(channels, width), nn.MaxPool2d(2),  # w×14×14
            *_block(width, 2 * width), *_block(2 * width, 2 * width), nn.MaxPool2d(2),  # 2w×7×7
            nn.Flatten(),
            nn.Linear(2 * width * (height // 4) * (w // 4), feature_dim, bias=False), nn.BatchNorm1d(feature_dim),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(feature_dim, classes))
        self.num_features = feature_dim  # torchmetrics reads this instead of probing

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """x: B×C×H×W in [0,1] → B×feature_dim penultimate activations."""
        return self.body((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # B×classes logits

    def loss(self, x: torch.Tensor, y: torch.Tensor, optimizer: str) -> Loss:
        # augment while training only: validation and test see the images as they are
        logits = self(augment(x, self.mirror) if self.training else x)  # B×classes
        loss = F.cross_entropy(logits, y, label_smoothing=LABEL_SMOOTHING)
        return Loss(loss, {"accuracy": (logits.argmax(1) == y).float().mean().detach()})

    def loss_sentence(self) -> str:
        return f"cross-entropy with label smoothing {LABEL_SMOOTHING:g} on lightly augmented images"


@dataclass
class FeatureNet:
    """A loaded, verified feature network and what is known about it."""

    net: FeatureCNN
    path: Path  # the weights file (final.pt of its model folder, or the shipped file)
    sha256: str
    record: dict  # test accuracy, training time, config, data (a shipped network: its manifest)
    name: str  # fmnist-v1 (shipped) or fashion_mnist-local-<sha12>: the metrics are FID-<name>, …
    cache: Path  # where files derived from it (the test set's features) are kept

    @property
    def shipped(self) -> bool:
        return "version" in self.record


def pixel_stats(images: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of uint8 N×C×H×W images in [0, 1], to 4 decimals (Fashion-MNIST:
    0.2860, 0.3530)."""
    x = images.transpose(0, 1).reshape(images.shape[1], -1).double() / 255  # C×(N·H·W)
    return tuple(round(v, 4) for v in x.mean(1).tolist()), tuple(round(v, 4) for v in x.std(1).tolist())


def require_labels(data) -> None:
    if not data.classes:
        raise GenlabError(f"{data.title} has no class labels: the feature network behind FID, KID, precision/recall "
                          "and IS is a classifier, so these metrics cannot be measured on it")


def build(cfg: FeatureNetConfig, data, mirror: bool) -> FeatureCNN:
    """The network for `data` (its shape, classes and training images' statistics), built
    without drawing from torch's global random generator: building it inside a training (the
    per-epoch FID) must not change that training's random stream."""
    require_labels(data)
    mean, std = pixel_stats(data.train_images)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)  # weight initialisation
        return FeatureCNN(tuple(data.shape), len(data.classes), cfg.width, cfg.feature_dim, mean, std, mirror)


# ---------------------------------------------------------------- cache

def model_dir(cfg: FeatureNetConfig, data) -> ModelDir:
    """The trainer's model folder of this configuration and data: metrics.jsonl, checkpoints, final.pt."""
    return ModelDir(cache_root() / "metrics-net" / f"{data.key}-cnn-{cfg.key(data)}")


def _record_path(weights: Path) -> Path:
    return weights.with_name("record.json")


def load(cfg: FeatureNetConfig, data, mirror: bool = True) -> FeatureNet | None:
    """The cached network of `data`, verified against its recorded hash; None when not trained yet."""
    weights = model_dir(cfg, data).final
    record_file = _record_path(weights)
    if not (weights.is_file() and record_file.is_file()):
        return None
    record = json.loads(record_file.read_text())
    digest = file_sha256(weights)
    if digest != record.get("sha256"):
        raise GenlabError(f"feature network {weights} fails its checksum (sha256 {digest[:12]}…, recorded "
                          f"{str(record.get('sha256'))[:12]}…): the file changed since genlab trained it; "
                          f"delete it and run `genlab metrics-net --retrain`")
    return _loaded(cfg, data, mirror, weights, record, shipped.local_name(data.key, digest), weights.parent)


def _loaded(cfg, data, mirror: bool, weights: Path, record: dict, name: str, cache: Path) -> FeatureNet:
    net = build(cfg, data, mirror)
    net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return FeatureNet(net.eval(), weights, record["sha256"], record, name, cache)


def load_shipped(cfg: FeatureNetConfig, data, mirror: bool = True) -> FeatureNet | None:
    """The network shipped with genlab for this configuration and data (genlab.generation.shipped),
    verified against its manifest's hash; None where none was shipped for them."""
    found = shipped.for_data(dataclasses.asdict(cfg), ARCH_VERSION, data.identity, data.shape, data.classes)
    if found is None:
        return None
    digest = file_sha256(found.weights) if found.weights.is_file() else "missing"
    if digest != found.sha256:
        raise GenlabError(f"the feature network {found.name} shipped with genlab ({found.weights}) fails its checksum "
                          f"(sha256 {digest[:12]}…, shipped {found.sha256[:12]}…); reinstall genlab")
    return _loaded(cfg, data, mirror, found.weights, found.manifest, found.name,
                   cache_root() / "metrics-net" / found.name)


def load_or_train(cfg: FeatureNetConfig, data, mirror: bool = True, retrain: bool = False,
                  progress: bool = True, device: str = "auto") -> tuple[FeatureNet, bool]:
    """(network, trained_now): the shipped network where there is one for `cfg` and `data`, else
    the cached one; trains and caches it on a miss (minutes on 2 cores; an interrupted training
    resumes from its last epoch checkpoint) or when asked to `retrain` (the shipped network stays)."""
    require_labels(data)
    if not retrain:
        found = load_shipped(cfg, data, mirror) or load(cfg, data, mirror)
        if found is not None:
            return found, False
    folder = model_dir(cfg, data)
    with training_lock(folder.path):  # trials of an experiment share the cache: one trains, the others wait
        if not retrain and (found := load(cfg, data, mirror)) is not None:
            return found, False
        if retrain and folder.path.exists():
            shutil.rmtree(folder.path)  # our own cache folder: start clean
        if progress:
            print(f"genlab: training the metrics feature network of {data.title} once (cached in {folder.path})",
                  file=sys.stderr)
        net, record = train(cfg, data, mirror, progress=progress, device=device)
        weights = folder.final
        record["sha256"] = file_sha256(weights)
        atomic.write_json(_record_path(weights), record)
    return FeatureNet(net.eval(), weights, record["sha256"], record, shipped.local_name(data.key, record["sha256"]),
                      weights.parent), True


# ---------------------------------------------------------------- data and training

def holdout_split(n_train: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(train_indices, floor_indices) into a dataset's training images, fixed forever."""
    order = torch.randperm(n_train, generator=torch.Generator().manual_seed(FLOOR_SEED))
    size = min(FLOOR_SIZE, n_train // 6)
    return order[size:], order[:size]


def floor_images(data) -> torch.Tensor:
    """The held-out real training images (uint8 N×C×H×W) the network never saw."""
    return data.train_images[holdout_split(len(data.train_images))[1]]


def augment(x: torch.Tensor, mirror: bool = True, generator: torch.Generator | None = None) -> torch.Tensor:
    """Light augmentation: a random horizontal flip (where `mirror`) and a shift of up to 2
    pixels (x: B×C×H×W). Draws from the global RNG unless given a generator: the trainer
    checkpoints that RNG, so a resumed training augments exactly like an uninterrupted one."""
    b, _, h, w = x.shape
    flip = torch.rand(b, generator=generator).to(x.device) < 0.5
    if mirror:
        x = torch.where(flip.view(b, 1, 1, 1), x.flip(-1), x)
    shift = torch.randint(-2, 3, (2,), generator=generator).tolist()  # one shift per batch is enough here
    padded = F.pad(x, (2, 2, 2, 2))
    return padded[:, :, 2 + shift[0]:h + 2 + shift[0], 2 + shift[1]:w + 2 + shift[1]]


def train(cfg: FeatureNetConfig, data, mirror: bool = True, progress: bool = True,
          device: str = "auto") -> tuple[FeatureCNN, dict]:
    """Train the network with the one trainer into model_dir(cfg, data); resumes a partial training."""
    from genlab.data.splits import Split
    from genlab.engine.trainer import TrainData, TrainerOptions
    from genlab.engine.trainer import train as train_method

    train_idx, _ = holdout_split(len(data.train_images))
    if cfg.train_subset:
        train_idx = train_idx[:cfg.train_subset]
    test = Split(data.test_images, data.test_labels)
    if cfg.test_subset:
        test = test.head(cfg.test_subset)
    mean, std = pixel_stats(data.train_images)
    torch.manual_seed(cfg.seed)  # weight initialisation, then the trainer's stream (dropout, augmentation)
    net = FeatureCNN(tuple(data.shape), len(data.classes), cfg.width, cfg.feature_dim, mean, std, mirror)
    summary = train_method(net, TrainData(Split(data.train_images[train_idx], data.train_labels[train_idx]), test=test),
                           cfg.train_config(), model_dir(cfg, data), cfg.seed,
                           TrainerOptions(device, resume=True, progress=progress), name="metrics-net",
                           save_final=lambda path, method: atomic.save_torch(path, method.state_dict()))
    record = {"test_accuracy": summary["final"]["test"]["accuracy"], "train_seconds": round(summary["train_time_s"], 1),
              "train_images": len(train_idx), "test_images": len(test), "threads": torch.get_num_threads(),
              "device": summary["device"], "arch_version": ARCH_VERSION, "config": dataclasses.asdict(cfg),
              "data": {"key": data.key, "title": data.title, "identity": data.identity}}
    return net.eval(), record


# ---------------------------------------------------------------- features

@torch.no_grad()
def extract(net: FeatureCNN, images: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 N×C×H×W (or float N×C×H×W in [0,1]) → (features N×D float32, logits N×classes)."""
    was_training = net.training
    net.eval()
    feats, logits = [], []
    for s in range(0, len(images), batch_size):
        x = images[s:s + batch_size]
        x = x.float().div(255) if x.dtype == torch.uint8 else x.float()
        f = net.features(x)
        feats.append(f)
        logits.append(net.head(f))
    net.train(was_training)
    return torch.cat(feats), torch.cat(logits)


def reference_features(fnet: FeatureNet, data) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and logits of the dataset's test images, cached on disk next to the network
    (keyed by its hash) so epoch callbacks and `evaluate` compute them once."""
    path = fnet.cache / f"reference-test-{fnet.sha256[:12]}.pt"
    if path.is_file():
        cached = torch.load(path, map_location="cpu", weights_only=True)
        return cached["features"], cached["logits"]
    feats, logits = extract(fnet.net, data.test_images)
    atomic.save_torch(path, {"features": feats, "logits": logits})
    return feats, logits

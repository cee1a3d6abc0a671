"""The feature network behind every generation metric: a small Fashion-MNIST CNN.

Inception-v3 features describe ImageNet photographs, not 28×28 grey clothes, and its
weights cannot be downloaded offline. genlab instead trains this classifier once —
through the one trainer (genlab.engine.trainer.train), as a Method whose loss is
label-smoothed cross-entropy on lightly augmented batches — into a model folder in the
user cache, records the SHA-256 of its weights file (checked on every load, so a
corrupt or swapped file cannot silently change every FID), and reuses it. Its 128-d
penultimate activations define FID / KID / precision-recall; its softmax the class
histogram and the classifier-based Inception Score.

It trains on 50,000 training images; the other 10,000 (a fixed, seeded hold-out) are
the "real-data floor" set: real images the network never saw, compared against the
test set exactly like generated ones.
"""
from __future__ import annotations

import contextlib

import dataclasses
import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genlab import atomic
from genlab.data import fashion_mnist
from genlab.errors import GenlabError
from genlab.methods.base import Loss, Method
from genlab.runs import ModelDir

# 2: trained through the one trainer (its onecycle schedule, per-epoch shuffling) and
# stored as a model folder; version-1 cache files are never reused.
ARCH_VERSION = 2
FLOOR_SIZE = 10_000
FLOOR_SEED = 20240601  # fixes which training images are held out for the real-data floor
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST pixel statistics
LABEL_SMOOTHING = 0.05


@dataclass(frozen=True)
class FeatureNetConfig:
    """How the feature network is trained. Every field enters the cache key."""

    width: int = 32
    feature_dim: int = 128
    epochs: int = 12  # 4 epochs reached only 91.2% test accuracy
    batch_size: int = 128
    lr: float = 3e-3  # AdamW, onecycle peak
    weight_decay: float = 5e-4
    train_subset: int | None = None  # tests train on a few hundred images
    test_subset: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for key in ("width", "feature_dim", "epochs", "batch_size"):
            if getattr(self, key) < 1:
                raise GenlabError(f"analysis.feature_net.{key} must be >= 1, got {getattr(self, key)}")
        for key in ("train_subset", "test_subset"):
            if getattr(self, key) is not None and getattr(self, key) < 1:
                raise GenlabError(f"analysis.feature_net.{key} must be a positive integer or null")
        if not 0 < self.lr < 10 or self.weight_decay < 0:
            raise GenlabError(f"analysis.feature_net: lr must be in (0, 10) and weight_decay >= 0, "
                              f"got lr {self.lr}, weight_decay {self.weight_decay}")

    def key(self) -> str:
        text = json.dumps({"arch": ARCH_VERSION, **dataclasses.asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def train_config(self):
        """The TrainConfig the one trainer trains the network with."""
        from genlab.config import TrainConfig

        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, optimizer="adamw", lr=self.lr,
                           weight_decay=self.weight_decay, schedule="onecycle", keep_checkpoints=1,
                           tensorboard=False)


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class FashionCNN(Method):
    """VGG-ish: 28×28 → 14×14 → 7×7 convolutions with BN, then a 128-d feature layer."""

    def __init__(self, width: int = 32, feature_dim: int = 128) -> None:
        super().__init__()
        w = width
        self.body = nn.Sequential(
            *_block(1, w), nn.MaxPool2d(2),  # w×14×14
            *_block(w, 2 * w), *_block(2 * w, 2 * w), nn.MaxPool2d(2),  # 2w×7×7
            nn.Flatten(),
            nn.Linear(2 * w * 49, feature_dim, bias=False), nn.BatchNorm1d(feature_dim), nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(feature_dim, 10))
        self.num_features = feature_dim  # torchmetrics reads this instead of probing

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """x: B×1×28×28 in [0,1] → B×feature_dim penultimate activations."""
        return self.body((x - MEAN) / STD)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # B×10 logits

    def loss(self, x: torch.Tensor, y: torch.Tensor, optimizer: str) -> Loss:
        # augment while training only: validation and test see the images as they are
        logits = self(augment(x) if self.training else x)  # B×10
        loss = F.cross_entropy(logits, y, label_smoothing=LABEL_SMOOTHING)
        return Loss(loss, {"accuracy": (logits.argmax(1) == y).float().mean().detach()})


@dataclass
class FeatureNet:
    """A loaded, verified feature network and what is known about it."""

    net: FashionCNN
    path: Path  # the weights file (final.pt of its model folder)
    sha256: str
    record: dict  # test accuracy, training time, config

    @property
    def short(self) -> str:
        return f"{self.path.parent.name} (sha256 {self.sha256[:12]}…, test accuracy {self.record['test_accuracy']:.2%})"


# ---------------------------------------------------------------- cache

def cache_root() -> Path:
    """$GENLAB_CACHE, else $XDG_CACHE_HOME/genlab, else ~/.cache/genlab."""
    if os.environ.get("GENLAB_CACHE"):
        return Path(os.environ["GENLAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genlab"


def model_dir(cfg: FeatureNetConfig) -> ModelDir:
    """The trainer's model folder of this configuration: metrics.jsonl, checkpoints, final.pt."""
    return ModelDir(cache_root() / "metrics-net" / f"fmnist-cnn-{cfg.key()}")


def weights_path(cfg: FeatureNetConfig) -> Path:
    return model_dir(cfg).final


def _record_path(weights: Path) -> Path:
    return weights.with_name("record.json")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load(cfg: FeatureNetConfig = FeatureNetConfig()) -> FeatureNet | None:
    """The cached network, verified against its recorded hash; None when not trained yet."""
    weights = weights_path(cfg)
    record_file = _record_path(weights)
    if not (weights.is_file() and record_file.is_file()):
        return None
    record = json.loads(record_file.read_text())
    digest = file_sha256(weights)
    if digest != record.get("sha256"):
        raise GenlabError(f"feature network {weights} fails its checksum (sha256 {digest[:12]}…, recorded "
                          f"{str(record.get('sha256'))[:12]}…): the file changed since genlab trained it; "
                          f"delete it and run `genlab metrics-net --retrain`")
    net = FashionCNN(cfg.width, cfg.feature_dim)
    net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return FeatureNet(net.eval(), weights, digest, record)


def load_or_train(cfg: FeatureNetConfig = FeatureNetConfig(), retrain: bool = False,
                  progress: bool = True) -> tuple[FeatureNet, bool]:
    """(network, trained_now). Trains and caches it on a miss (a few minutes on 2 cores);
    an interrupted training resumes from its last epoch checkpoint."""
    if not retrain:
        found = load(cfg)
        if found is not None:
            return found, False
    folder = model_dir(cfg)
    with _training_lock(folder.path):  # trials of an experiment share the cache: one trains, the others wait
        if not retrain and (found := load(cfg)) is not None:
            return found, False
        if retrain and folder.path.exists():
            shutil.rmtree(folder.path)  # our own cache folder: start clean
        if progress:
            print(f"genlab: training the metrics feature network once (cached in {folder.path})", file=sys.stderr)
        net, record = train(cfg, progress=progress)
        weights = folder.final
        record["sha256"] = file_sha256(weights)
        atomic.write_json(_record_path(weights), record)
    return FeatureNet(net.eval(), weights, record["sha256"], record), True


@contextlib.contextmanager
def _training_lock(folder: Path):
    """An OS lock (released by the kernel if the holder dies) beside the cache folder."""
    import fcntl

    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"genlab: waiting for another process that is training the feature network in {folder}",
                  file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- data and training

def holdout_split() -> tuple[torch.Tensor, torch.Tensor]:
    """(train_indices, floor_indices) into the 60,000 training images, fixed forever."""
    order = torch.randperm(60_000, generator=torch.Generator().manual_seed(FLOOR_SEED))
    return order[FLOOR_SIZE:], order[:FLOOR_SIZE]


def floor_images() -> torch.Tensor:
    """The 10,000 held-out real training images (uint8 N×28×28) the network never saw."""
    return fashion_mnist.load().train_images[holdout_split()[1]]


def augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Light augmentation: random horizontal flip and a shift of up to 2 pixels (x: B×1×28×28).
    Draws from the global RNG unless given a generator: the trainer checkpoints that RNG, so
    a resumed training augments exactly like an uninterrupted one."""
    b = x.shape[0]
    flip = torch.rand(b, generator=generator).to(x.device) < 0.5
    x = torch.where(flip.view(b, 1, 1, 1), x.flip(-1), x)
    shift = torch.randint(-2, 3, (2,), generator=generator).tolist()  # one shift per batch is enough here
    padded = F.pad(x, (2, 2, 2, 2))
    return padded[:, :, 2 + shift[0]:30 + shift[0], 2 + shift[1]:30 + shift[1]]


def train(cfg: FeatureNetConfig, progress: bool = True, device: str = "auto") -> tuple[FashionCNN, dict]:
    """Train the network with the one trainer into model_dir(cfg); resumes a partial training."""
    from genlab.data.splits import Split
    from genlab.engine.trainer import TrainData, TrainerOptions
    from genlab.engine.trainer import train as train_method

    torch.manual_seed(cfg.seed)  # weight initialisation
    data = fashion_mnist.load()
    train_idx, _ = holdout_split()
    if cfg.train_subset:
        train_idx = train_idx[:cfg.train_subset]
    test = Split(data.test_images, data.test_labels)
    if cfg.test_subset:
        test = test.head(cfg.test_subset)
    net = FashionCNN(cfg.width, cfg.feature_dim)
    folder = model_dir(cfg)
    summary = train_method(net, TrainData(Split(data.train_images[train_idx], data.train_labels[train_idx]), test=test),
                           cfg.train_config(), folder, cfg.seed, TrainerOptions(device, resume=True, progress=progress),
                           name="metrics-net",
                           save_final=lambda path, method: atomic.save_torch(path, method.state_dict()))
    record = {"test_accuracy": summary["final"]["test"]["accuracy"], "train_seconds": round(summary["train_time_s"], 1),
              "train_images": len(train_idx), "threads": torch.get_num_threads(), "device": summary["device"],
              "arch_version": ARCH_VERSION, "config": dataclasses.asdict(cfg)}
    return net.eval(), record


# ---------------------------------------------------------------- features

@torch.no_grad()
def extract(net: FashionCNN, images: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 N×28×28 (or float N×1×28×28 in [0,1]) → (features N×D float32, logits N×10)."""
    was_training = net.training
    net.eval()
    feats, logits = [], []
    for s in range(0, len(images), batch_size):
        x = images[s:s + batch_size]
        x = x.unsqueeze(1).float().div(255) if x.dtype == torch.uint8 else x.float()
        f = net.features(x)
        feats.append(f)
        logits.append(net.head(f))
    net.train(was_training)
    return torch.cat(feats), torch.cat(logits)


def reference_features(fnet: FeatureNet) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and logits of the 10,000 test images, cached on disk next to the network
    (keyed by its hash) so epoch callbacks and `evaluate` compute them once."""
    path = fnet.path.with_name(f"reference-test-{fnet.sha256[:12]}.pt")
    if path.is_file():
        cached = torch.load(path, map_location="cpu", weights_only=True)
        return cached["features"], cached["logits"]
    feats, logits = extract(fnet.net, fashion_mnist.load().test_images)
    atomic.save_torch(path, {"features": feats, "logits": logits})
    return feats, logits

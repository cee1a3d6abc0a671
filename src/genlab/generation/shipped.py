"""The feature networks shipped inside genlab: one fixed set of weights per dataset, so that a
genlab FID means the same on every machine (the reason Inception-FID fixed one set of weights,
pt_inception-2015-12-05, for everyone).

A network trained on first use depends on the machine's floating-point bits (CPU kernels,
thread count, GPU), so two users' FIDs came from two different feature spaces. A shipped
network is a weights file under `networks/` and a manifest beside it (JSON): its name with a
version (`fmnist-v1`; the metrics it defines are FID-fmnist-v1, KID-fmnist-v1, …), the SHA-256
of its weights (checked on every load), the configuration and the data identity it was trained
on (it is used only where both match the run's: the official release, the default settings),
its test accuracy, how it was trained (command, threads, CPU), and its metrics on fixed image
sets made from the data alone (genlab.generation.fixed_sets), at the digits genlab prints.

No torch here: reports, results.csv and `genlab compare` read names without loading a network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NETWORKS = Path(__file__).parent / "networks"
SHORT = {"fashion_mnist": "fmnist"}  # a name that fits a column: FID-fmnist-v1
# The digits genlab prints of each fixed-set metric (`genlab evaluate` and metrics-net: FID to
# 3 decimals, KID ×10³ to 2, precision and recall to 3, IS to 2). "Equal to the printed digit"
# means equal at these decimals.
PRINTED = {"fid": 3, "kid": 5, "precision": 3, "recall": 3, "is": 2}


@dataclass(frozen=True)
class Shipped:
    """One shipped network: its manifest and where its weights are."""

    manifest: dict
    weights: Path

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def sha256(self) -> str:
        return self.manifest["sha256"]


def manifests(folder: Path | None = None) -> list[Shipped]:
    """Every network in `folder` (default: genlab's own), newest version first."""
    return list(_read(str(NETWORKS if folder is None else folder)))


@lru_cache(maxsize=4)
def _read(folder: str) -> tuple[Shipped, ...]:
    found = []
    for path in sorted(Path(folder).glob("*.json")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        found.append(Shipped(manifest, path.with_name(manifest["weights"])))
    return tuple(sorted(found, key=lambda s: -s.manifest["version"]))


def forget() -> None:
    """Read the manifests again (after one was written)."""
    _read.cache_clear()


def for_data(config: dict, arch_version: int, identity: str, shape, classes, folder: Path | None = None) -> Shipped | None:
    """The newest shipped network trained with exactly this configuration (every field of
    FeatureNetConfig, and the architecture's version) on data of exactly this content;
    None for anything else (another dataset, a subset, a re-encoding, a custom config)."""
    for shipped in manifests(folder):
        m, data = shipped.manifest, shipped.manifest["dataset"]
        if (m["config"] == config and m["arch_version"] == arch_version and data["identity"] == identity
                and data["shape"] == list(shape) and data["classes"] == list(classes or ())):
            return shipped
    return None


def by_sha256(sha256: str, folder: Path | None = None) -> Shipped | None:
    return next((s for s in manifests(folder) if s.sha256 == sha256), None)


def next_name(dataset: str, folder: Path) -> tuple[str, int]:
    """(name, version) for a network about to be shipped into `folder`: one version above the
    dataset's newest there."""
    versions = [s.manifest["version"] for s in manifests(folder) if s.manifest["dataset"]["key"] == dataset]
    version = max(versions, default=0) + 1
    return f"{SHORT.get(dataset, dataset)}-v{version}", version


def local_name(dataset: str, sha256: str) -> str:
    """The name of a network trained on this machine: its weights' hash says which one."""
    return f"{dataset}-local-{sha256[:12]}"


def network_name(described: dict) -> str:
    """The name of the network a metrics.json "generation" section was measured with: the name it
    records, else (runs measured before names) the shipped network with its hash, else its hash."""
    if described.get("name"):
        return described["name"]
    sha = described.get("sha256") or ""
    shipped = by_sha256(sha) if sha else None
    return shipped.name if shipped else (f"sha256:{sha[:16]}" if sha else "")


def metric_name(metric: str, network: str) -> str:
    """FID-fmnist-v1: a generation metric with the network that defines it."""
    return f"{metric}-{network}" if network else metric


def printed(metric: str, value: float) -> str:
    """A fixed-set metric at the digits genlab prints (see PRINTED)."""
    text = f"{value:.{PRINTED[metric]}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # "-0.000" prints as "0.000"

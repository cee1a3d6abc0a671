"""`genlab metrics-net`: show a dataset's feature network, retrain it as a check against the
shipped one, and write a trained network out as a shipped one (the recipe behind
`src/genlab/generation/networks/`: scripts/ship_feature_net.sh)."""
from __future__ import annotations

import dataclasses
import platform
import time
from pathlib import Path

import torch

from genlab import atomic
from genlab.errors import GenlabError
from genlab.generation import fixed_sets, shipped
from genlab.generation.features import ARCH_VERSION, FeatureNet, FeatureNetConfig, load_or_train, load_shipped


@dataclasses.dataclass(frozen=True)
class MetricsNetRequest:
    retrain: bool = False
    threads: int | None = None  # pinned torch threads (the recipe's reproducibility), else torch's default
    write_shipped: Path | None = None  # write the retrained network here as a shipped one
    device: str = "auto"
    cfg: FeatureNetConfig = dataclasses.field(default_factory=FeatureNetConfig)


def run(data, req: MetricsNetRequest) -> str:
    """Everything `genlab metrics-net` prints for `data` (loaded)."""
    if req.write_shipped is not None and not req.retrain:
        raise GenlabError("--write-shipped writes a network trained now: add --retrain")
    if req.threads is not None:
        torch.set_num_threads(req.threads)
    before = load_shipped(req.cfg, data, data.mirror)
    fnet, trained = load_or_train(req.cfg, data, data.mirror, retrain=req.retrain,
                                  device="cpu" if req.write_shipped else req.device)
    lines = describe(fnet, data, trained)
    if trained and before is not None:
        lines += _check(before, fnet, data)
    if req.write_shipped is not None:
        lines.append(f"shipped as {write_shipped(fnet, data, req.write_shipped, req)}")
    return "\n".join(lines)


def describe(fnet: FeatureNet, data, trained: bool) -> list[str]:
    rec = fnet.record
    how = ("shipped with genlab: the same weights on every machine" if fnet.shipped
           else "trained now on this machine" if trained else "trained earlier on this machine, cached")
    lines = [f"feature network of {data.title}: {fnet.name} ({how})",
             f"  file:          {fnet.path}",
             f"  sha256:        {fnet.sha256} (verified)",
             f"  test accuracy: {rec['test_accuracy']:.2%} on {rec.get('test_images', len(data.test_images)):,} test images"]
    training = rec.get("training", rec)
    lines.append(f"  trained on:    {rec['train_images']:,} images in {training['train_seconds']} s "
                 f"({training['threads']} thread{'s' * (training['threads'] != 1)}, {training['device']})")
    lines.append(f"  features:      {fnet.net.num_features}-d penultimate layer; metrics named FID-{fnet.name}, "
                 f"KID-{fnet.name}, …")
    if fnet.shipped:
        lines.append(f"  fixed sets:    " + "; ".join(f"{name} FID {v['fid']}"
                                                       for name, v in rec["fixed_sets"]["printed"].items()))
    return lines


def _check(before: FeatureNet, fnet: FeatureNet, data) -> list[str]:
    """The retrained network's FIDs on the fixed sets beside the shipped network's (stored, and
    measured here: equal to the printed digit on any machine)."""
    stored = before.record["fixed_sets"]["printed"]
    here = fixed_sets.measure(before, data)
    wrong = fixed_sets.mismatches(stored, here)
    lines = [f"check: the retrained network against the shipped {before.name} on fixed sets "
             f"(FID of each set against the {len(data.test_images):,} test images):",
             *fixed_sets.comparison(stored, here, fixed_sets.measure(fnet, data)),
             ("the shipped network's numbers measured here equal the stored ones to the printed digit" if not wrong
              else "the shipped network measured here differs from its stored numbers: " + "; ".join(wrong)),
             f"runs keep using the shipped {before.name}; the retrained copy ({fnet.name}) is only this check"]
    return lines


def write_shipped(fnet: FeatureNet, data, folder: Path, req: MetricsNetRequest) -> str:
    """Write `fnet` (trained now) into `folder` as the next version of the data's shipped network:
    weights and a manifest with the fixed sets' metrics. Refuses one already shipped there."""
    folder = Path(folder)
    same = shipped.by_sha256(fnet.sha256, folder)
    if same is not None:
        raise GenlabError(f"{folder}: this network (sha256 {fnet.sha256[:12]}…) is already shipped there as {same.name}")
    name, version = shipped.next_name(data.key, folder)
    stem = f"{data.key}-v{version}"
    atomic.write_bytes(folder / f"{stem}.pt", fnet.path.read_bytes())
    values = fixed_sets.measure(fnet, data)
    atomic.write_json(folder / f"{stem}.json", manifest(fnet, data, name, version, stem, values, req))
    shipped.forget()
    return f"{name}: {folder / (stem + '.pt')} ({(folder / (stem + '.pt')).stat().st_size:,} bytes)"


def manifest(fnet: FeatureNet, data, name: str, version: int, stem: str, values: dict, req: MetricsNetRequest) -> dict:
    rec = fnet.record
    return {
        "name": name, "version": version, "weights": f"{stem}.pt", "sha256": fnet.sha256,
        "dataset": {"key": data.key, "title": data.title, "identity": data.identity, "official": data.official,
                    "shape": list(data.shape), "classes": list(data.classes)},
        "arch_version": ARCH_VERSION, "config": dataclasses.asdict(req.cfg), "mirror": data.mirror,
        "test_accuracy": rec["test_accuracy"], "train_images": rec["train_images"], "test_images": rec["test_images"],
        "training": {"command": f"genlab metrics-net --dataset {data.key} --retrain --threads {rec['threads']} "
                                f"--write-shipped DIR", "train_seconds": rec["train_seconds"], "threads": rec["threads"],
                     "device": rec["device"], "torch": torch.__version__, "cpu": _cpu(),
                     "date": time.strftime("%Y-%m-%d")},
        "fixed_sets": {"against": f"{data.title} test set ({len(data.test_images):,} images)",
                       "printed_digits": shipped.PRINTED, "printed": fixed_sets.printed_values(values),
                       "values": values},
    }


def _cpu() -> str:
    """The CPU model and the vector instructions torch used (the last bits of a float32 forward depend on them)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, torch CPU capability {torch.backends.cpu.get_cpu_capability()}"

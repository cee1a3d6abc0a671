"""What `genlab data` prints: every dataset and where it would be found, or one dataset in
full (where it was found, how it was verified, official or not, shape, class counts)."""
from __future__ import annotations

from genlab.data import catalog, find
from genlab.data.formats import CHECKS, FORMATS, locate, spec_of
from genlab.data.options import DataConfig
from genlab.errors import GenlabError


def describe_all() -> str:
    lines = ["Datasets (`genlab data --dataset KEY [--data-dir DIR]` describes one; study files: data.dataset):"]
    for spec in catalog.CATALOG.values():
        lines.append(f"  {spec.key:<14} {spec.title:<14} {_shape(spec):<22} {_where(spec)}")
    return "\n".join(lines)


def _shape(spec: catalog.Dataset) -> str:
    if spec.format == "kitti":
        return "detection boxes"
    shape = "{}×{}×{}".format(*spec.shape) if spec.shape else "shape from the files"
    return f"{shape}, {len(spec.classes)} classes" if spec.classes else shape


def _where(spec: catalog.Dataset) -> str:
    if spec.format == "kitti":
        return "read by the kitti study from data.root"
    try:
        label, source = locate(DataConfig(dataset=spec.key), download=False)
        return f"found: {source} ({label})"
    except GenlabError:
        if spec.downloadable:
            return f"not here yet: downloaded on first use into {find.cache_dir(spec.key)}"
        return "give its folder or file: --data-dir / data.root"


def describe(cfg: DataConfig) -> str:
    from genlab.data.loading import load  # torch: only when one dataset is loaded

    spec = spec_of(cfg)
    lines = [f"{spec.title} ({spec.key}): {spec.summary}", "search order:"]
    fmt = FORMATS[spec.format]
    for label, path in find.candidates(spec, cfg.root):
        there = path.exists() and fmt.find(spec, path) is not None
        lines.append(f"  {'*' if there else '-'} {label}: {path}{'' if there else ' (not there)'}")
    data = load(cfg)
    lines += [f"using {data.source}",
              f"checked: {CHECKS[spec.format]}",
              f"official: {'yes' if data.official else 'no'} — {data.note}",
              "images: {}×{}×{} (C×H×W), {}".format(*data.shape, spec.pixels),
              f"identity: {data.identity} (sha256 of the images and labels)"]
    for split in ("train", "test"):
        labels = getattr(data, f"{split}_labels")
        lines.append(f"{split}: {len(labels):,} images{'' if data.classes else ', unlabelled'}")
        if data.classes:
            counts = labels.bincount(minlength=len(data.classes)).tolist()
            width = max(len(name) for name in data.classes)
            lines.extend(f"    {name:<{width}}  {count:>7,}" for name, count in zip(data.classes, counts))
    return "\n".join(lines)

"""What `genlab data` prints: where Fashion-MNIST was found, that it verified, counts."""
from __future__ import annotations

from genlab.data import fashion_mnist as fm


def describe(data_dir: str | None = None) -> str:
    lines = ["Fashion-MNIST search order:"]
    for label, directory in fm.candidate_dirs(data_dir):
        present = all(fm.find_file(directory, f.stem) for f in fm.FILES.values())
        lines.append(f"  {'*' if present else '-'} {label}: {directory}{'' if present else ' (not there)'}")
    label, directory = fm.locate(data_dir)
    data = fm.load(data_dir)
    lines.append(f"Using {directory} ({label}); all four files verified (magic, shapes, counts, SHA-256 of the decompressed bytes).")
    for split in ("train", "test"):
        labels = getattr(data, f"{split}_labels")
        counts = labels.bincount(minlength=10).tolist()
        lines.append(f"{split}: {len(labels):,} images 28×28 uint8")
        lines.extend(f"    {name:<12} {count:>6,}" for name, count in zip(fm.CLASSES, counts))
    return "\n".join(lines)

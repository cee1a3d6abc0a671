"""Official or not: a file's published checksums against its bytes, and the one note that
says how a dataset was verified or what differs from the official release."""
from __future__ import annotations

import hashlib

from genlab.data.catalog import Checksum, Dataset

KIND = {"gz": "the published files", "raw": "the decompressed files"}


def match(checksums: tuple[Checksum, ...], published: bytes | None, content: bytes) -> Checksum | None:
    """The first checksum that matches: `gz` ones against the file as published (None when
    the file on disk is not the compressed one), `raw` ones against its content."""
    for checksum in checksums:
        data = published if checksum.of == "gz" else content
        if data is not None and hashlib.new(checksum.algo, data).hexdigest() == checksum.hexdigest:
            return checksum
    return None


def differences(spec: Dataset, n_train: int, n_test: int, shape: tuple[int, int, int]) -> list[str]:
    """How the loaded data differs from the official release in size and shape."""
    found = []
    if spec.train_size is not None and n_train != spec.train_size:
        found.append(f"{spec.train_size:,} → {n_train:,} training images")
    if spec.test_size is not None and n_test != spec.test_size:
        found.append(f"{spec.test_size:,} → {n_test:,} test images")
    if spec.shape is not None and tuple(shape) != spec.shape:
        found.append("{}×{}×{} → {}×{}×{} images".format(*spec.shape, *shape))
    return found


def verdict(spec: Dataset, matched: list[Checksum | None], uncheckable: bool, diffs: list[str]) -> tuple[bool, str]:
    """(official, note). `uncheckable`: a file had no published checksum of the form on disk."""
    if matched and all(matched):
        kinds = sorted({f"{c.algo} of {KIND[c.of]}" for c in matched})
        return True, f"the official {spec.title} release ({' and '.join(kinds)} matched the release's checksums)"
    if diffs:
        why = ", ".join(diffs)
    elif uncheckable:
        why = (f"cannot be checked: only the published .gz files' checksums are known for {spec.title}; "
               "keep the .gz files as downloaded to verify them")
    else:
        why = "checksums differ"
    return False, f"not the official {spec.title} release ({why}); its numbers are not comparable with published ones"


def has_kind(checksums: tuple[Checksum, ...], published: bool) -> bool:
    """Whether a file in this form (published bytes or only content) has a checksum to check."""
    return any(c.of == "raw" or published for c in checksums)

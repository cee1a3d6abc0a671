"""Argument types shared by several commands: a bad value is refused by the parser, in the one
`genlab: error:` line, before any command starts work."""
from __future__ import annotations

import argparse

from genlab.config import MAX_SEED


def seed(text: str) -> int:
    """A random seed: a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (a seed is 0 to {MAX_SEED:,})") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is outside 0 to {MAX_SEED:,} (2**32 - 1)")
    return value

"""The whole-number argument type the benchmark scripts share (their parser is genlab's
OneLineParser: a bad argument is one line and exit 2)."""
from __future__ import annotations

import argparse


def at_least(low: int):
    """argparse type: a whole number >= low ("1.5", "x" and "-3" are refused alike)."""
    def parse(text: str) -> int:
        value = int(text) if text.strip().lstrip("-").isdigit() else low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {low}, got {text!r}")
        return value
    return parse

"""What to conclude, computed from the numbers: the best model on a metric, ties called ties,
and what one seed cannot say. Every report section that compares models ends with one
Conclusion built from these helpers, so the same rule decides a tie everywhere.

A tie is either equal at the precision the page shows (the quantity's formatting rule), or,
for accuracies, a gap within twice the standard error of the difference between two
accuracies measured on the same number of test images (binomial sampling of the test set).
"""
from __future__ import annotations

import math

from genlab.report.page import quantity

UNITS = {"percent": " %", "db": " dB", "seconds": " s"}


def shown(value: float, kind: str) -> str:
    return quantity(value, kind) + UNITS.get(kind, "")


def accuracy_noise(accuracies: list[float], n_test: int) -> float:
    """Twice the standard error (in percentage points) of the difference of two accuracies
    near these values, each on n_test images."""
    p = min(max(sum(accuracies) / len(accuracies) / 100, 0.0), 1.0)
    return 2 * 100 * math.sqrt(2 * p * (1 - p) / max(n_test, 1))


def accuracy_reason(n_test: int) -> str:
    """What `accuracy_noise` is, as a conclusion names it."""
    return f"twice the standard error of a difference of two scores on {n_test:,} test images"


def leaders(values: dict[str, float], kind: str, lower_is_better: bool, noise: float = 0.0) -> list[str]:
    """The best model and every model tied with it (equal as shown, or within `noise`)."""
    ranked = sorted(values, key=lambda n: values[n], reverse=not lower_is_better)
    top = values[ranked[0]]
    return [n for n in ranked if quantity(values[n], kind) == quantity(top, kind) or abs(values[n] - top) <= noise]


def best_sentence(label: str, values: dict[str, float], kind: str, lower_is_better: bool, noise: float = 0.0,
                  noise_reason: str = "") -> str:
    """'Lowest FID: VAE-64 (10.93).' or 'Highest accuracy: a tie between AE (84.90 %) and raw
    pixels (84.80 %): the gap, 0.10, is within <noise_reason> (0.99).'"""
    values = {n: v for n, v in values.items() if v is not None and v == v}
    if not values:
        return ""
    word = "Lowest" if lower_is_better else "Highest"
    tied = leaders(values, kind, lower_is_better, noise)
    listed = " and ".join(f"{n} ({shown(values[n], kind)})" for n in tied)
    if len(values) == 1:
        return f"{label}: only {listed} is measured."
    if len(tied) == 1:
        rest = sorted((n for n in values if n not in tied), key=lambda n: values[n], reverse=not lower_is_better)
        runner = rest[0]
        return f"{word} {label}: {listed}, ahead of {runner} ({shown(values[runner], kind)})."
    gap = abs(values[tied[0]] - values[tied[-1]])
    why = (f": the gap, {quantity(gap, kind)}, is within {noise_reason} ({quantity(noise, kind)})"
           if noise_reason and gap > 0 else ", equal at the precision shown")
    return f"{word} {label}: a tie between {listed}{why}."


def one_seed(study: str) -> str:
    return (f"These are one seed's numbers: whether each difference is real is untested. `genlab run {study} "
            "--seeds 3` repeats the run over seeds and tests the differences.")

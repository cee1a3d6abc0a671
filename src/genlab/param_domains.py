"""Allowed values of model parameters, torch-free: a study file's model params are checked
in milliseconds, before torch (seconds to import) is loaded, so a typo is answered at once.

Every model in the registry declares, for each of its builder's parameters, one of the
checks below (a plugin's model uses them too: `from genlab.param_domains import width`).
The networks and methods import their choices from here, so the check and the code that
uses a value cannot disagree."""
from __future__ import annotations

from typing import Any, Callable

Domain = Callable[[Any], "str | None"]  # value → what is wrong with it, or None

DENSE_ACTIVATIONS = ("relu", "leaky_relu", "none", "sigmoid", "tanh")  # nn/dense.py's ACTIVATIONS
CONV_ACTIVATIONS = ("relu", "leaky_relu")  # nn/conv.py's ACTIVATIONS
NORMS = ("batch", "none")
UPSAMPLE_MODES = ("nearest", "bilinear", "bicubic")  # nn.Upsample's modes for 2-D maps
CRITIC_NORMS = ("layer", "none")
RECONSTRUCTIONS = ("bce", "mse")
PRIORS = ("normal", "uniform")
FLOW_SAMPLERS = ("euler", "heun")  # methods/flow_matching.py
TIME_SAMPLING = ("uniform", "logit_normal")
MAX_WIDTH = 65536  # layer widths and latent sizes beyond this are typos (and would not fit in memory)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def width(value) -> str | None:
    """A layer width or latent size."""
    return None if _whole(value) and 1 <= value <= MAX_WIDTH else f"must be a whole number from 1 to {MAX_WIDTH}"


def widths(value) -> str | None:
    """A list of layer widths, possibly empty."""
    if not isinstance(value, (list, tuple)) or any(width(v) for v in value):
        return f"must be a list of whole numbers from 1 to {MAX_WIDTH}, e.g. [256, 128]"
    return None


def nonempty_widths(value) -> str | None:
    """A list of at least one layer width."""
    return widths(value) or (None if value else "must name at least one layer width, e.g. [512]")


def integer(low: int, high: int) -> Domain:
    def check(value) -> str | None:
        return None if _whole(value) and low <= value <= high else f"must be a whole number from {low:,} to {high:,}"
    return check


def number(low: float, high: float) -> Domain:
    def check(value) -> str | None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"must be a number from {low:g} to {high:g}"
    return check


def choice(*allowed: str) -> Domain:
    return lambda value: None if value in allowed else f"must be one of {', '.join(allowed)}"


def flag(value) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"

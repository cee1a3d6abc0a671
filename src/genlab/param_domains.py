"""Every registry builder parameter's allowed values, torch-free: a study file's model
params are checked in milliseconds, before torch (seconds to import) is loaded, so a typo
is answered at once. The networks and methods import their choices from here, so the
check and the code that uses a value cannot disagree."""
from __future__ import annotations

from genlab.errors import GenlabError

DENSE_ACTIVATIONS = ("relu", "leaky_relu", "none", "sigmoid", "tanh")  # nn/dense.py's ACTIVATIONS
CONV_ACTIVATIONS = ("relu", "leaky_relu")  # nn/conv.py's ACTIVATIONS
NORMS = ("batch", "none")
UPSAMPLE_MODES = ("nearest", "bilinear", "bicubic")  # nn.Upsample's modes for 2-D maps
CRITIC_NORMS = ("layer", "none")
RECONSTRUCTIONS = ("bce", "mse")
PRIORS = ("normal", "uniform")
MAX_WIDTH = 65536  # layer widths and latent sizes beyond this are typos (and would not fit in memory)


def _width(value) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_WIDTH
    return None if ok else f"must be a whole number from 1 to {MAX_WIDTH}"


def _widths(value, empty_ok: bool = True) -> str | None:
    if not isinstance(value, (list, tuple)) or any(_width(v) for v in value):
        return f"must be a list of whole numbers from 1 to {MAX_WIDTH}, e.g. [256, 128]"
    return None if value or empty_ok else "must name at least one layer width, e.g. [512]"


def _number(low: float, high: float):
    def check(value) -> str | None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"must be a number from {low:g} to {high:g}"
    return check


def _choice(*allowed: str):
    return lambda value: None if value in allowed else f"must be one of {', '.join(allowed)}"


# A bad value is one line naming the model, the parameter, the value and what is allowed.
PARAM_DOMAINS = {
    "latent_dim": _width, "hidden": _widths, "g_hidden": _widths, "d_hidden": _widths,
    "latent_act": _choice(*DENSE_ACTIVATIONS), "noise_factor": _number(0, 10), "beta": _number(0, 1000),
    "reconstruction": _choice(*RECONSTRUCTIONS), "prior": _choice(*PRIORS),
    "bottleneck_act": _choice("relu", "none"), "upsample": _choice(*UPSAMPLE_MODES),
    "norm": _choice(*NORMS), "act": _choice(*CONV_ACTIVATIONS), "width": _width,
    "critic_norm": _choice(*CRITIC_NORMS), "gp_weight": _number(0, 1000),
}
NONEMPTY = {("dense_vae", "hidden")}  # the VAE's posterior head reads the last hidden layer


def check(name: str, params: dict, accepted) -> None:
    """`params` of model `name`, whose builder accepts the parameter names `accepted`."""
    for key, value in params.items():
        if key not in accepted:
            raise GenlabError(f"model {name!r} has no parameter {key!r}; it accepts: {', '.join(accepted)}")
        domain = PARAM_DOMAINS.get(key)
        problem = domain(value) if domain else None
        if problem is None and (name, key) in NONEMPTY:
            problem = _widths(value, empty_ok=False)
        if problem:
            raise GenlabError(f"model {name!r} param {key}={value!r}: {problem}")

"""The model registry: name → ModelEntry (a builder and the allowed values of each of its
parameters). genlab's own models are in genlab.builtin_models; any installed package adds
its own through the `genlab.models` entry point group, without editing genlab:

    # the package's pyproject.toml
    [project.entry-points."genlab.models"]
    my_vqvae = "my_package.models:ENTRY"      # a ModelEntry; or a dict name → ModelEntry

A builder takes the data's facts as keyword arguments `shape` (C, H, W) and `classes` (the
class count, or None for unlabelled data) — genlab injects them, a study file cannot set
them — and its own params, each with a domain. Study files name entries by key; their
`params:` are the builder's keyword arguments. Importing this module does not import torch:
a study file's params are checked where it is read.
"""
from __future__ import annotations

import functools
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from genlab.builtin_models import BUILTIN
from genlab.errors import GenlabError
from genlab.model_entry import INJECTED, ModelEntry

if TYPE_CHECKING:
    import torch

    from genlab.methods.base import Method

__all__ = ["ModelEntry", "models", "entry", "check_params", "build", "build_meta", "save_trained", "load_trained"]
ENTRY_POINTS = "genlab.models"


@dataclass
class _Loaded:
    entries: dict[str, ModelEntry] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # entry point name → why it was not registered


def check_entry(name: str, entry: ModelEntry) -> None:
    """A well-formed entry: a builder taking `shape` and `classes` by keyword and a domain for
    every other parameter (a parameter without one would be accepted unchecked)."""
    if not isinstance(entry, ModelEntry) or not callable(entry.builder):
        raise TypeError(f"model {name!r}: expected a genlab.registry.ModelEntry, got {type(entry).__name__}")
    parameters = inspect.signature(entry.builder).parameters
    missing = [p for p in INJECTED if p not in parameters]
    if missing:
        raise TypeError(f"model {name!r}: its builder must accept the keyword argument {missing[0]!r}")
    undeclared = sorted(set(entry.params()) - set(entry.domains))
    if undeclared:
        raise TypeError(f"model {name!r}: parameter {undeclared[0]!r} has no domain (allowed values)")
    unknown = sorted(set(entry.domains) - set(entry.params()))
    if unknown:
        raise TypeError(f"model {name!r}: a domain is declared for {unknown[0]!r}, which its builder does not take")


@functools.lru_cache(maxsize=1)
def _load() -> _Loaded:
    loaded = _Loaded(dict(BUILTIN))
    for name, entry in loaded.entries.items():
        check_entry(name, entry)  # genlab's own: a mistake here is a bug, raised in the tests
    for point in _entry_points():
        try:
            found = point.load()
            found = found if isinstance(found, Mapping) else {point.name: found}
            for name, entry in found.items():
                check_entry(name, entry)
                if name in loaded.entries:
                    raise TypeError(f"model {name!r} is already registered by {loaded.entries[name].source}")
                source = getattr(point.dist, "name", None) or point.value
                loaded.entries[name] = ModelEntry(entry.builder, entry.domains, entry.summary, source)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break genlab; it is named when asked for
            loaded.broken[point.name] = f"{type(exc).__name__}: {exc}"
    return loaded


def _entry_points():
    from importlib.metadata import entry_points

    return entry_points(group=ENTRY_POINTS)


def models() -> dict[str, ModelEntry]:
    """Every registered model: genlab's own, then the installed plugins'."""
    return _load().entries


def entry(name: str) -> ModelEntry:
    loaded = _load()
    if not isinstance(name, str) or name not in loaded.entries:
        why = f"; the plugin {name!r} failed to register: {loaded.broken[name]}" if name in loaded.broken else ""
        raise GenlabError(f"unknown model {name!r}{why}; registered models: {', '.join(sorted(loaded.entries))} "
                          "(`genlab models` lists them)")
    return loaded.entries[name]


def check_params(name: str, params: dict) -> None:
    """`params` of model `name` against its builder and their domains (torch-free)."""
    known = entry(name)
    accepted = known.params()
    for key, value in params.items():
        if key not in accepted:
            raise GenlabError(f"model {name!r} has no parameter {key!r}; it accepts: {', '.join(accepted)}")
        problem = known.domains[key](value)
        if problem:
            raise GenlabError(f"model {name!r} param {key}={value!r}: {problem}")


def build(name: str, params: dict | None = None, *, shape: tuple[int, int, int], classes: int | None = None) -> Method:
    """Build a registered model for images of `shape` (C, H, W) and `classes` classes,
    rejecting unknown or out-of-domain params, or a shape the model cannot serve, in one line."""
    params = dict(params or {})
    check_params(name, params)
    try:
        return entry(name).builder(shape=tuple(shape), classes=classes, **params)
    except (TypeError, ValueError, KeyError, RuntimeError) as exc:
        detail = str(exc) or type(exc).__name__
        c, h, w = shape
        raise GenlabError(f"model {name!r} cannot be built for {c}×{h}×{w} images with params {params}: {detail}") from None


def build_meta(name: str, params: dict | None = None, *, shape: tuple[int, int, int],
               classes: int | None = None) -> Method:
    """The same model on the meta device: no memory, no time. Enough to check that it builds
    and to read what it says of itself (capabilities, loss sentence, traits)."""
    import torch

    with torch.device("meta"):
        return build(name, params, shape=shape, classes=classes)


def save_trained(path: Path, name: str, params: dict, method: Method, shape: tuple[int, int, int],
                 classes: int | None) -> None:
    from genlab import atomic

    atomic.save_torch(path, {"model": name, "params": params, "shape": list(shape), "classes": classes,
                             "state_dict": method.state_dict()})


def load_trained(model_dir_or_file, map_location: str | torch.device = "cpu") -> Method:
    """Rebuild a trained model from RUN/models/NAME/final.pt, in eval mode."""
    import torch

    path = Path(getattr(model_dir_or_file, "path", model_dir_or_file))  # a ModelDir or a path
    path = path / "final.pt" if path.is_dir() else path
    if not path.is_file():
        raise GenlabError(f"{path} does not exist; train the model first (genlab run …) or check the run folder")
    try:
        blob = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file: pickle, zip and EOF errors alike
        raise GenlabError(f"{path} is not a readable checkpoint ({type(exc).__name__}: an interrupted copy or "
                          f"another file?); copy it again, or retrain that model (genlab run … --resume after "
                          f"removing {path.parent})") from None
    if not isinstance(blob, dict) or "shape" not in blob:
        raise GenlabError(f"{path} was written by a genlab before models recorded their image shape; "
                          "retrain it with this version (genlab run …)")
    method = build(blob["model"], blob["params"], shape=tuple(blob["shape"]), classes=blob.get("classes"))
    method.load_state_dict(blob["state_dict"])
    return method.eval()


_UNSET = object()  # no domain accepts it: asking a domain about it gives the words of its rule


def listing() -> str:
    """`genlab models`: one line per registered model, and the plugins that failed to register."""
    loaded = _load()
    width = max(map(len, loaded.entries), default=4)
    lines = [f"{name:<{width}}  {e.summary or '—'}" + (f"  [{e.source}]" if e.source != "genlab" else "")
             for name, e in sorted(loaded.entries.items())]
    lines += [f"{name:<{width}}  NOT REGISTERED: {why}" for name, why in loaded.broken.items()]
    return "\n".join(lines + ["", "`genlab models NAME` gives a model's params, their allowed values and what it can do."])


def details(name: str, shape: tuple[int, int, int], classes: int | None) -> str:
    """`genlab models NAME`: its params (default, allowed values), how it generates, what it can
    do and what it minimises, as built for images of `shape`."""
    from genlab.methods.base import CAPABILITIES

    known = entry(name)
    method = build_meta(name, shape=shape, classes=classes)
    c, h, w = shape
    lines = [f"{name} — {known.summary or 'no summary'} (registered by {known.source})", "params (default; allowed):"]
    lines += [f"  {key} = {default!r}; {known.domains[key](_UNSET)}" for key, default in known.params().items()]
    lines += [f"as built for {c}×{h}×{w} images:", f"  minimises: {method.loss_sentence()}",
              f"  generates: {method.sampler_sentence()}",
              "  can: " + "; ".join(f"{cap} ({CAPABILITIES[cap]})" for cap in sorted(method.capabilities()))]
    return "\n".join(lines)

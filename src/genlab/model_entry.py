"""What a model registers: a builder and the allowed values of its params (genlab.registry
keeps them; genlab.builtin_models and plugins declare them). Torch-free."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from genlab.param_domains import Domain

if TYPE_CHECKING:
    from genlab.methods.base import Method

INJECTED = ("shape", "classes")  # the data's facts, passed by genlab to every builder


@dataclass(frozen=True)
class ModelEntry:
    builder: Callable[..., "Method"]  # keyword arguments: shape (C, H, W), classes (int or None), its params
    domains: Mapping[str, Domain]  # one per builder parameter (INJECTED aside)
    summary: str = ""  # one line for `genlab models`
    source: str = "genlab"  # the distribution that registered it

    def params(self) -> dict[str, Any]:
        """The builder's parameters a study file may set, with their defaults."""
        return {name: p.default for name, p in inspect.signature(self.builder).parameters.items()
                if name not in INJECTED}

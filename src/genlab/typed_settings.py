"""Typed settings from plain mappings: a dataclass built from a YAML mapping, every key
checked against the dataclass's fields and type hints, every failure one line naming the
key (with a suggestion for a typo). genlab.config declares the dataclasses; this module
knows nothing about studies."""
from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from typing import Any

from genlab.errors import GenlabError

MAX_INT = 2**63 - 1  # an integer setting beyond this is a typo, and torch could not hold it


def from_dict(cls, data: Any, where: str):
    """Build dataclass `cls` from a mapping, rejecting unknown keys and wrong types."""
    label = where or "study"
    if not isinstance(data, dict):
        raise GenlabError(f"{label} must be a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), fields, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(fields)}"
        raise GenlabError(f"unknown key {_join(where, key)!r}{hint}")
    missing = [n for n, f in fields.items() if n not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise GenlabError(f"missing required key {_join(where, missing[0])!r}")
    values = {k: _coerce(hints[k], v, _join(where, k)) for k, v in data.items()}
    try:
        return cls(**values)
    except GenlabError as exc:
        raise GenlabError(f"{label}: {exc}") if where and not str(exc).startswith(where) else exc


def _coerce(hint, value: Any, where: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, where)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise GenlabError(f"{where} must be a list, got {value!r}")
        return [_coerce(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)] if args else value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise GenlabError(f"{where} must be a list, got {value!r}")
        return tuple(_coerce(args[0], v, where) for v in value)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise GenlabError(f"{where} must be a mapping, got {value!r}")
        return value
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise GenlabError(f"{where} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return _coerce(int, int(value), where)
            raise GenlabError(f"{where} must be an integer, got {value!r}")
        if abs(value) > MAX_INT:
            raise GenlabError(f"{where} is out of range ({value:.3g}); use a realistic whole number")
        return value
    if hint is float:
        value = _yaml12_float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GenlabError(f"{where} must be a number, got {value!r}")
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise GenlabError(f"{where} is out of range ({value:.3g})")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise GenlabError(f"{where} must be a string, got {value!r}")
        return value
    return value


_FLOAT_TEXT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def _yaml12_float(value: Any) -> Any:
    """`1e-3` as people write it: YAML 1.1 (PyYAML) reads an exponent without a dot as a
    string; YAML 1.2 and every other reader read a number, and so does genlab."""
    if isinstance(value, str) and len(value) < 40 and _FLOAT_TEXT.fullmatch(value.strip()):
        return float(value)
    return value


def _check_mapping(value: Any, where: str) -> None:
    _require(isinstance(value, dict), f"{where} must be a mapping of settings, got {str(value)[:80]!r}")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else str(key)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise GenlabError(message)

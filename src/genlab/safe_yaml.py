"""YAML and text that a user hands genlab, read with limits.

A study file, a `--set` value and a run folder's config.yaml are user input: they must
be UTF-8, and YAML's aliases and nesting are bounded so that a billion-laughs file or a
`[` nested thousands deep fails in one line instead of exhausting memory or the stack.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from genlab.errors import GenlabError

MAX_BYTES = 4 * 2**20  # a study file is a few KB; this is far beyond any real one
MAX_DEPTH = 50  # nesting of mappings/lists (a study file needs about 5)
MAX_ALIASES = 100  # `*name` references in one document
MAX_NODES = 100_000  # values after expanding aliases


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts nesting depth and aliases while composing the node graph
    (composition is recursive in PyYAML: the depth limit keeps it far from Python's)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(f"more than {MAX_ALIASES} YAML aliases (*name) at line {line}; write the values out")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Limit(f"nested more than {MAX_DEPTH} levels deep at line {line}")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Limit(Exception):
    """A limit of _LimitedLoader was hit (turned into a GenlabError naming the source)."""


def loads(text: str, source: str) -> Any:
    """Parse YAML text with the limits above; errors name `source` and the line."""
    loader = None
    try:
        loader = _LimitedLoader(text)  # the reader refuses control characters right here
        value = loader.get_single_data()
    except _Limit as exc:
        raise GenlabError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise GenlabError(f"{source} is not valid YAML{where}: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()
    _check_size(value, source)
    return value


def _check_size(value: Any, source: str) -> None:
    """Count values with aliases expanded (shared lists count once per reference), stopping
    early: what later code (deepcopy, dataclasses.asdict, yaml.dump) would walk."""
    budget, stack = MAX_NODES, [value]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise GenlabError(f"{source}: more than {MAX_NODES:,} values (each YAML alias counted expanded); a "
                              "study file holds far fewer — shorten it (or expand fewer nested aliases)")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def read_text(path: Path, what: str = "file") -> str:
    """A UTF-8 text file (a BOM is allowed), or one line saying what is wrong with it."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise GenlabError(f"{what} {path} is {size:,} bytes; a genlab {what} is at most {MAX_BYTES:,}")
        data = path.read_bytes()
    except OSError as exc:
        raise GenlabError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GenlabError(f"{what} {path} is not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
                          "save it as UTF-8") from None


def load_file(path: Path, what: str = "file") -> Any:
    return loads(read_text(path, what), str(path))

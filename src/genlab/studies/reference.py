"""The study-file reference, generated from the settings dataclasses themselves: every key with
its type, default, allowed values and what it does (the field's own comment in the source), for
the top level, `data:` (and which dataset uses which key), `train:`, each model entry, each
comparison, and `analysis:` per study (each analysis's own settings). Also the models' params
from the registry. `docs/gen_reference.py` writes it into the documentation; a test checks the
committed page is current, so the reference cannot drift from the code.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from dataclasses import dataclass

FIELD_LINE = re.compile(r"^\s+(\w+):\s*[^=#]+?(?:=\s*(?P<default>[^#]+?))?\s*(?:#\s*(?P<doc>.*))?$")
MEMBER = re.compile(r"self\.(\w+) in ([A-Z_]+)")
REQUIRE = re.compile(r"_require\(\s*((?:[^,]*?)self\.(\w+)[^,]*?),\s*f?\"")
LIMIT = re.compile(r"\"(\w+)\": \(([^,()]+), ([^,()]+), \"([^\"]+)\"\)")


@dataclass
class Key:
    key: str  # dotted, as in a study file or --set
    type: str
    default: str
    allowed: str
    doc: str


def _docs(cls) -> dict[str, str]:
    """field → its trailing comment (and the comment lines right under it) in the class source."""
    docs, last = {}, None
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return docs
    names = {f.name for f in dataclasses.fields(cls)}
    for line in lines:
        m = FIELD_LINE.match(line)
        if m and m.group(1) in names and ":" in line.split("#")[0]:
            last = m.group(1)
            docs[last] = (m.group("doc") or "").strip()
        elif last and line.strip().startswith("#") and line.startswith(" " * 8):
            docs[last] = (docs[last] + " " + line.strip().lstrip("#").strip()).strip()
        elif not line.strip().startswith("#"):
            last = None
    return docs


def _allowed(cls) -> dict[str, str]:
    """field → its allowed values, read from the class's checks: `self.X in CONST`, `_require(cond…)`,
    and `within` limits {"X": (low, high, "what")} in the class's module."""
    found: dict[str, str] = {}
    module = inspect.getmodule(cls)
    try:
        source = inspect.getsource(cls)
        module_source = inspect.getsource(module)
    except (OSError, TypeError):
        return found
    for name, const in MEMBER.findall(source):
        values = getattr(module, const, None)
        if isinstance(values, (tuple, list)):
            found[name] = ", ".join(map(str, values))
    for cond, name in REQUIRE.findall(source):
        if name not in found and " in " not in cond and "(" not in cond and not cond.strip().endswith("is None"):
            text = re.sub(r"self\.", "", cond)
            found[name] = re.sub(r"\b[A-Z][A-Z_]+\b", lambda m: _constant(module, m.group(0)), text)
    for name, low, high, what in LIMIT.findall(module_source):
        found.setdefault(name, f"{low.strip()} to {high.strip()} ({what})")
    return found


def _constant(module, name: str) -> str:
    value = getattr(module, name, None)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else name


def _type(hint) -> str:
    text = getattr(hint, "__name__", None) if not typing.get_args(hint) else None
    text = text or re.sub(r"\b[a-z_]+(\.[a-z_]+)+\.", "", str(hint).replace("typing.", ""))
    return text.replace(" | NoneType", " or null").replace(" | None", " or null").replace("Any", "any")


def keys(cls, prefix: str) -> list[Key]:
    """Every field of dataclass `cls` as a study-file key under `prefix`."""
    hints = typing.get_type_hints(cls)
    docs, allowed = _docs(cls), _allowed(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.name.startswith("_"):
            continue
        if f.default is not dataclasses.MISSING:
            default = repr(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            made = f.default_factory()
            default = "(see below)" if dataclasses.is_dataclass(made) else repr(made)
        else:
            default = "required"
        out.append(Key(f"{prefix}{f.name}", _type(hints[f.name]), default, allowed.get(f.name, ""),
                       docs.get(f.name, "")))
    return out


def table(rows: list[Key]) -> str:
    lines = ["| key | type | default | allowed | what it does |", "|---|---|---|---|---|"]
    for r in rows:
        cells = [f"`{r.key}`", f"`{r.type}`", f"`{r.default}`", r.allowed and f"`{r.allowed}`", r.doc]
        lines.append("| " + " | ".join(c.replace("\n", " ").replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)

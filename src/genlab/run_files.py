"""Reading the files of a run folder that a crash, a full disk or a careless edit may have
damaged: one line naming the file, what is wrong and a command that writes it again."""
from __future__ import annotations

import json
from pathlib import Path

from genlab.errors import GenlabError


def read_json(path: Path, hint: str = "") -> dict:
    """A JSON object written by genlab, or one line naming the file and what is wrong (and
    `hint`, a command that writes it again: repair_for_resume)."""
    fix = f" — {hint} writes it again" if hint else ""
    try:
        value = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise GenlabError(f"{path} is not UTF-8 text; the run folder is damaged{fix}") from None
    except json.JSONDecodeError as exc:
        raise GenlabError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg}; truncated?); "
                          f"the run folder is damaged{fix}") from None
    if not isinstance(value, dict):
        raise GenlabError(f"{path} must hold a JSON object, not {type(value).__name__}; the run folder is damaged{fix}")
    return value


def check_run(run) -> dict:
    """Validate a run folder for a command that reads it; its config mapping, or the first
    problem in one line, with advice that works (`genlab run RUN/config.yaml --out RUN
    --resume` writes a damaged file again: see repair_for_resume)."""
    if not run.path.is_dir():
        raise GenlabError(f"{run.path} is not a folder; pass the run folder `genlab run` wrote")
    raw = run.read_config()
    for path in (run.metrics, run.environment, *sorted(run.path.glob("*/*/summary.json"))):
        if path.is_file():
            read_json(path, resume_hint(run))
    for path in sorted(run.path.glob("*/*/metrics.jsonl")):
        bad = damaged_lines(path)
        if bad:
            raise GenlabError(f"{path} line {bad} is not a whole JSON record (an interrupted write?); "
                              f"{resume_hint(run)} trains that model again")
    return raw


def resume_hint(run) -> str:
    return f"`genlab run {run.config} --out {run.path} --resume`"


def damaged_lines(path: Path) -> int | None:
    """The first line of a JSON-lines file that is not a whole JSON object, or None."""
    try:
        lines = Path(path).read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return 1
    for number, line in enumerate(lines, 1):
        try:
            if not isinstance(json.loads(line), dict):
                return number
        except json.JSONDecodeError:
            return number
    return None


def damaged(path: Path) -> bool:
    try:
        read_json(path)
    except GenlabError:
        return True
    return False

"""Studies: each runs a whole experiment into a run folder and describes its report.

STUDIES is the explicit registry (study kind → runner); a study file's ``study:`` key
picks one. Modules are imported lazily so `genlab run dense` never imports ultralytics.
"""
from __future__ import annotations

import importlib

from genlab.errors import GenlabError

# kind -> "module:attribute" of an object implementing genlab.studies.base.Study
STUDIES: dict[str, str] = {
    "dense": "genlab.studies.dense:STUDY",
    "conv": "genlab.studies.conv:STUDY",
    "kitti": "genlab.studies.kitti:STUDY",
    "gen": "genlab.studies.gen:STUDY",
}


def get_study(kind: str):
    if kind not in STUDIES:
        raise GenlabError(f"unknown study kind {kind!r}; known: {', '.join(sorted(STUDIES))}")
    module, attr = STUDIES[kind].split(":")
    return getattr(importlib.import_module(module), attr)

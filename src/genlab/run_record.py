"""Every number of a finished run folder, addressed as SOURCE:PATH for one model.

    summary:final.test.loss                      models/NAME/summary.json (the trainer's)
    eval:coco.map50_95                           models/NAME/eval/metrics.json (kitti)
    frozen_classifiers:head.test_metrics.accuracy  metrics.json analyses.<key>.results.NAME
    generation:fid                               metrics.json generation.models.NAME
    noise_robustness:curves.{title}.psnr[-1]     results keyed by the model's title

A path is dotted keys, each optionally followed by [i] (a list index, -1 = last).
Only what a run measured is read: nothing here recomputes a metric.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from genlab import safe_yaml

FILE_SOURCES = {"summary": "summary.json", "eval": "eval/metrics.json"}
MAX_LIST = 16  # longer lists are curves (PR curve, confusion matrix), not metrics
# speeds and sizes, not results: they depend on the machine and its load (keys ending in _time_s too)
NOT_METRICS = {"seconds", "wall_s", "wall_time_s", "eval_wall_s", "images_per_s", "params", "time_over_floor",
               "peak_flop_per_s", "sample_s_per_1000"}
# each model's main numbers: the terminal's summary of a run, and an experiment page's table over seeds
HEADLINES = (("summary:final.test.loss", "test loss"), ("generation:fid", "FID"), ("eval:coco.map50_95", "test mAP@0.5:0.95"))
_STEP = re.compile(r"([^.\[\]]+)((?:\[-?\d+\])*)")


@dataclass
class RunRecord:
    """A finished run folder read once: its config and every results file."""

    path: Path
    config: dict
    metrics: dict
    per_model: dict[str, dict[str, dict]] = field(default_factory=dict)  # name → source → data

    @property
    def models(self) -> list[str]:
        return [m["name"] for m in self.config.get("models", [])]

    def title(self, name: str) -> str:
        return next((m.get("title") or name for m in self.config.get("models", []) if m["name"] == name), name)


def read_run(path: Path) -> RunRecord:
    path = Path(path)
    config = safe_yaml.load_file(path / "config.yaml", "run config")
    metrics_file = path / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else {}
    record = RunRecord(path, config, metrics)
    for name in record.models:
        record.per_model[name] = {}
        for source, rel in FILE_SOURCES.items():
            file = path / "models" / name / rel
            if file.is_file():
                record.per_model[name][source] = json.loads(file.read_text(encoding="utf-8"))
    return record


def _root(record: RunRecord, source: str, model: str):
    """The mapping a path of `source` starts from, for `model` (None: not in this run)."""
    if source in FILE_SOURCES:
        return record.per_model.get(model, {}).get(source)
    entry = record.metrics.get("analyses", {}).get(source)
    if entry is not None and not _stored_elsewhere(entry):
        return entry.get("results")
    section = record.metrics.get(source)
    return section.get("models") if isinstance(section, dict) else None


def value(record: RunRecord, metric: str, model: str) -> float | None:
    """The number `metric` (SOURCE:PATH) measured for `model`, or None where the run has none."""
    source, _, path = metric.partition(":")
    node = _root(record, source, model)
    if node is None:
        return None
    if source not in FILE_SOURCES:
        if "{title}" in path:
            path = path.replace("{title}", record.title(model))
        else:
            node = node.get(model) if isinstance(node, dict) else None
    for key, indexes in _STEP.findall(path):
        node = node.get(key) if isinstance(node, dict) else None
        for index in re.findall(r"-?\d+", indexes):
            node = node[int(index)] if isinstance(node, list) and -len(node) <= int(index) < len(node) else None
    return _number(node)


def values(records: list[RunRecord], metric: str, model: str) -> list[float]:
    """`metric` of `model` in each run that measured it."""
    return [v for r in records if (v := value(r, metric, model)) is not None]


def _stored_elsewhere(entry: dict) -> bool:
    """An analysis whose numbers live in their own metrics.json section (generation)."""
    results = entry.get("results")
    return isinstance(results, dict) and "stored_in" in results


def _number(node) -> float | None:
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        return None
    return float(node) if math.isfinite(node) else None


SE_SUFFIX = "_se"  # METRIC_se: METRIC's sampling standard error (generation/scores.py)


def numbers(record: RunRecord) -> list[tuple[str, str, float, float | None]]:
    """(model, metric, value, sampling standard error or None) for every number of a run: a
    `METRIC_se` beside METRIC is that metric's error, not a number of its own."""
    values = {(model, metric): value for model, metric, value in flatten(record)}
    return [(model, metric, value, values.get((model, metric + SE_SUFFIX))) for (model, metric), value in values.items()
            if not (metric.endswith(SE_SUFFIX) and (model, metric[:-len(SE_SUFFIX)]) in values)]


def flatten(record: RunRecord) -> list[tuple[str, str, float]]:
    """(model, SOURCE:PATH, value) for every number the run measured; model "" for results
    that belong to no single model (the real-data FID floor, tables keyed by title)."""
    rows = []
    for name, sources in record.per_model.items():
        for source, data in sources.items():
            data = data.get("final", {}) if source == "summary" else data
            prefix = "final." if source == "summary" else ""
            rows += [(name, f"{source}:{prefix}{p}", v) for p, v in _leaves(data)]
    for key, entry in record.metrics.get("analyses", {}).items():
        if not _stored_elsewhere(entry):
            rows += _per_model_rows(record, key, entry.get("results", {}))
    generation = record.metrics.get("generation")
    if isinstance(generation, dict):
        rows += _per_model_rows(record, "generation", generation.get("models", {}))
        rows += [("", f"generation:floor.{p}", v) for p, v in _leaves(generation.get("floor", {}))]
    return rows


def _per_model_rows(record: RunRecord, source: str, results) -> list[tuple[str, str, float]]:
    if not isinstance(results, dict):
        return []
    rows = []
    for key, data in results.items():
        model = key if key in record.per_model else ""
        prefix = "" if model else f"{key}."
        rows += [(model, f"{source}:{prefix}{p}", v) for p, v in _leaves(data)]
    return rows


def _leaves(node, prefix: str = ""):
    """(dotted path, number) under `node`: numbers, and short lists of numbers as path[i]."""
    if isinstance(node, dict):
        for key, child in node.items():
            if str(key) not in NOT_METRICS and not str(key).endswith("_time_s"):
                yield from _leaves(child, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list) and len(node) <= MAX_LIST and all(_number(v) is not None or v is None for v in node):
        for i, child in enumerate(node):
            if _number(child) is not None:
                yield f"{prefix}[{i}]", float(child)
    elif _number(node) is not None and prefix:
        yield prefix, float(node)

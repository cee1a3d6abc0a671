"""`genlab compare`: runs or experiments side by side — how their configs differ, and
every metric they share (mean ± 95 % CI where a side has several seeds), as HTML and CSV."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from genlab import atomic, runs
from genlab.errors import GenlabError
from genlab import run_record
from genlab.experiments import compare_page
from genlab.experiments.orchestrate import ExperimentDir, is_experiment
from genlab.experiments.trials import read_trials
from genlab.generation.shipped import network_name
from genlab.report.stats import Summary, format_mean, summarize
from genlab.report import page
from genlab.report.page import Section, Table, Text


@dataclass
class Side:
    label: str
    path: Path
    records: list[run_record.RunRecord]  # one per finished trial (a run: itself)


def read_side(path: Path) -> Side:
    path = Path(path)
    if is_experiment(path):
        records = [s.record for s in read_trials(ExperimentDir(path)) if s.record is not None]
        if not records:
            raise GenlabError(f"{path}: no trial of this experiment has finished; nothing to compare")
        return Side(path.name, path, records)
    runs.check_run(runs.RunDir(path))  # one line if it is not a run folder, or a damaged one
    return Side(path.name, path, [run_record.read_run(path)])


def check_inputs(paths: list[Path]) -> None:
    if len(paths) < 2:
        raise GenlabError("compare needs at least two run or experiment folders")
    for path in paths:
        if not Path(path).is_dir():
            raise GenlabError(f"{path} is not a folder; pass run folders (genlab run) or experiment folders")


def check_feature_networks(sides: list[Side]) -> None:
    """Generation metrics (FID, KID, precision/recall, IS) measured with different feature networks
    live in different feature spaces and must not share a row: one line naming both networks."""
    seen: dict[str, str] = {}  # network name → the first side that used it
    for side in sides:
        for record in side.records:
            described = (record.metrics.get("generation") or {}).get("feature_net")
            if described:
                seen.setdefault(network_name(described), side.label)
    if len(seen) > 1:
        (a, side_a), (b, side_b) = list(seen.items())[:2]
        raise GenlabError(f"cannot put side by side generation metrics measured with different feature networks: "
                          f"{side_a} used {a}, {side_b} used {b}; re-measure one with `genlab evaluate RUN` so "
                          "both use the same network")


def shared_metrics(sides: list[Side]) -> dict[tuple[str, str], list[Summary]]:
    """(model, metric) measured by every side → one Summary per side."""
    per_side = [compare_page.side_values(s) for s in sides]
    keys = [k for k in per_side[0] if all(k in v for v in per_side[1:])]
    return {k: [summarize(v[k]) for v in per_side] for k in keys}


def config_differences(sides: list[Side]) -> list[list[str]]:
    """Rows: dotted key, then its value on each side (seed left out: seeds are what repeats)."""
    configs = [s.records[0].config for s in sides]
    keys = []
    for other in configs[1:]:
        keys += [k for k in runs.config_diff(configs[0], other) if k not in keys and k != "seed"]
    return [[k, *[_lookup(c, k) for c in configs]] for k in keys]


def _lookup(config: dict, key: str) -> str:
    node = config
    for part in key.split("."):
        if isinstance(node, list):  # models are matched by name
            node = next((m for m in node if isinstance(m, dict) and m.get("name") == part), None)
        elif isinstance(node, dict):
            node = node.get(part)
        if node is None:
            return "—"
    return str(node)


def write(paths: list[Path], out: Path) -> Path:
    sides = [read_side(p) for p in paths]
    check_feature_networks(sides)
    shared = shared_metrics(sides)
    labels = [s.label for s in sides]
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / "compare.csv", _csv(shared, labels))
    diffs = config_differences(sides)
    sections = [
        Section("What is compared", [Text("\n\n".join(
            f"{s.label}: {s.path} — {len(s.records)} finished run(s), seeds "
            f"{', '.join(str(r.config.get('seed')) for r in s.records)}" for s in sides))]
            + [Text(w, note=True) for w in compare_page.warnings(sides, diffs)]),
        compare_page.headline_section(sides),
        Section("How the configs differ", [Table(["setting", *labels], diffs)] if diffs else
                [Text("The configs are the same (apart from the seeds).")]),
        Section("Every shared number", [Table(["model", "metric (internal key, as in compare.csv)", *labels],
                                              [[m or "run", k, *[format_mean(s) for s in ss]]
                                               for (m, k), ss in shared.items()],
                                              "mean ± 95 % CI half-width where a side has several seeds")]),
    ]
    return page.write(out, "genlab compare: " + " vs ".join(labels), sections, {"compared": [str(p) for p in paths]},
                      {}, f"{len(shared)} shared numbers; the headline metrics first")


def _csv(shared: dict, labels: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["model", "metric", *[f"{lab} {x}" for lab in labels for x in ("n", "mean", "std", "ci_low", "ci_high")]])
    for (model, metric), summaries in shared.items():
        writer.writerow([model, metric, *[x for s in summaries for x in
                                          (s.n, s.mean, s.std, *(s.ci if s.ci else ("", "")))]])
    return buf.getvalue()

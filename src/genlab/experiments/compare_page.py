"""What `genlab compare` leads with: the headline metrics of the study under their names, each
side's mean ± 95 % CI, the difference from the first side with its uncertainty, and a warning
wherever the sides differ in what a number means — how many samples a generation metric drew,
the feature network it was measured in, the dataset, or the settings."""
from __future__ import annotations

import math

from genlab import run_record
from genlab.report.page import Estimate, Section, Table, Text
from genlab.report.stats import ALPHA, estimate, summarize
from genlab.studies import get_study


def side_values(side) -> dict[tuple[str, str], list[float]]:
    """(model, metric) → its value in each run of the side."""
    values: dict[tuple[str, str], list[float]] = {}
    for record in side.records:
        for model, metric, value, _ in run_record.numbers(record):  # a sampling error is no metric of its own
            values.setdefault((model, metric), []).append(value)
    return values


def headlines(sides) -> list[tuple[str, str]]:
    """(metric, label): the first side's study headlines, then every metric its comparisons test."""
    config = sides[0].records[0].config
    try:
        out = dict(get_study(config.get("study", "")).headlines)
    except Exception:  # a study this genlab does not know: the comparisons alone
        out = {}
    for c in config.get("comparisons") or []:
        out.setdefault(c["metric"], c.get("label") or c["metric"])
    return list(out.items())


def difference(a: list[float], b: list[float]) -> Estimate | None:
    """b − a of two independent sides' means, with a Welch 95 % interval where both have n ≥ 2."""
    from scipy import stats

    sa, sb = summarize(a), summarize(b)
    d = sb.mean - sa.mean
    if sa.n < 2 or sb.n < 2:
        return Estimate(d, n=min(sa.n, sb.n))
    va, vb = sa.std**2 / sa.n, sb.std**2 / sb.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Estimate(d, d, d, min(sa.n, sb.n))
    dof = (va + vb) ** 2 / ((va**2 / (sa.n - 1) if va else 0) + (vb**2 / (sb.n - 1) if vb else 0) or 1e-300)
    half = float(stats.t.ppf(1 - ALPHA / 2, dof)) * se
    return Estimate(d, d - half, d + half, min(sa.n, sb.n))


def headline_section(sides) -> Section:
    values = [side_values(s) for s in sides]
    record = sides[0].records[0]
    rows = []
    for metric, label in headlines(sides):
        for model in record.models:
            found = [v.get((model, metric)) for v in values]
            if not all(found):
                continue
            cells = [estimate(summarize(f)) for f in found]
            diffs = [difference(found[0], f) for f in found[1:]]
            rows.append([label, record.title(model), *cells, *diffs])
    labels = [s.label for s in sides]
    header = ["metric", "model", *labels, *[f"{lab} − {labels[0]}" for lab in labels[1:]]]
    one_seed = any(len(s.records) < 2 for s in sides)
    note = ("A side with one run gives a single number: the difference is untested (one seed cannot tell it from "
            "seed-to-seed variation; `--seeds 3` on each side can)." if one_seed else
            "Differences are of the means of independent runs, with Welch's 95 % interval; an interval that "
            "excludes 0 is a difference at 5 %.")
    if not rows:
        return Section("Headline metrics", [Text("The sides share none of the study's headline metrics; every "
                                                 "shared number is in the last section.", note=True)])
    return Section("Headline metrics", [Table(header, rows, "mean ± 95 % CI half-width (n seeds) on each side; "
                                                            "the difference from the first side"), Text(note)])


def warnings(sides, config_diffs: list[list[str]]) -> list[str]:
    """Where the sides' numbers do not mean the same thing."""
    out = []
    for what, read in (("samples per generator for FID/KID/precision/recall", _samples),
                       ("feature network behind the generation metrics", _feature_net),
                       ("dataset", _dataset), ("study", lambda r: r.config.get("study"))):
        seen = {s.label: read(s.records[0]) for s in sides}
        if len({v for v in seen.values() if v is not None}) > 1:
            shown = "; ".join(f"{k}: {v}" for k, v in seen.items())
            out.append(f"The sides differ in the {what} ({shown}): their numbers are not directly comparable.")
    if config_diffs:
        keys = ", ".join(row[0] for row in config_diffs[:6]) + (" …" if len(config_diffs) > 6 else "")
        out.append(f"The sides ran with different settings ({len(config_diffs)}: {keys}); see “How the configs differ”.")
    quick = {s.label for s in sides if s.records[0].config.get("quick_run")}
    if quick and len(quick) < len(sides):
        out.append(f"Only {', '.join(sorted(quick))} ran with --quick (reduced epochs and data).")
    return out


def _samples(record) -> str | None:
    n = (record.metrics.get("generation") or {}).get("n")
    return f"{n:,}" if isinstance(n, int) else None


def _feature_net(record) -> str | None:
    net = (record.metrics.get("generation") or {}).get("feature_net") or {}
    return net.get("name") or (f"sha256 {net['sha256'][:12]}" if net.get("sha256") else None)


def _dataset(record) -> str | None:
    data = record.metrics.get("data") or {}
    return f"{data.get('title')} ({str(data.get('identity'))[:12]})" if data.get("identity") else None

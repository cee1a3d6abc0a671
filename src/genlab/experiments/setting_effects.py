"""Does a sweep's varied setting change the results? For one `--vary KEY=V1,V2,…`, each value
against the first: for every model and headline metric, the paired difference over the seeds
both values ran, its 95 % CI, a paired t-test and its Holm-adjusted p across every test the
section draws, and one sentence from those numbers in the words the source reports'
comparisons get (genlab.report.verdicts). Nothing is written by hand: from one seed the
page says the difference is untested.
"""
from __future__ import annotations

from dataclasses import dataclass

from genlab.config import ComparisonSpec
from genlab import run_record
from genlab.report import power, verdicts
from genlab.experiments.trials import TrialState
from genlab.report.stats import PairedTest, estimate, holm, paired, summarize
from genlab.report.page import Section, Table, Text

LOWER_IS_BETTER = ("summary:final.test.loss", "generation:fid")  # the other headline metric, mAP: higher


def directions(comparisons: list[ComparisonSpec]) -> dict[str, str]:
    """metric → higher | lower: which way is better, from the study's comparisons where they say."""
    return {**{m: "lower" for m in LOWER_IS_BETTER}, **{c.metric: c.better for c in comparisons}}


@dataclass
class _Paired:
    """One model × metric measured at `value` and at the first value, paired by seed."""

    value: object
    model: str  # title
    metric: str
    label: str
    test: PairedTest


def section(spec: dict, states: list[TrialState], headline: list[tuple[str, str]],
            better: dict[str, str]) -> Section | None:
    vary = spec.get("vary") or {}
    if len(vary) != 1:
        return None
    key, values = next(iter(vary.items()))
    runs = _by_value(states, key)
    found = [f for value in values[1:] for f in _pairs(value, values[0], runs, headline)]
    if not found:
        return None
    adjusted = holm([f.test.p_value for f in found])  # one family: every test this section draws
    family = sum(p is not None for p in adjusted)
    rows, sentences = [], []
    for f, p_holm in zip(found, adjusted):
        j = verdicts.assess(f"{f.label} of {f.model}", (f"{key}={f.value}", f"{key}={values[0]}"), f.test,
                            better.get(f.metric, "higher"), p_holm=p_holm, family=family)
        verdict = {verdicts.SUPPORTED: f"{f.value} better", verdicts.CONTRADICTED: f"{values[0]} better"}.get(
            j.status, j.status)
        rows.append([f.model, f.label, str(f.value), estimate(summarize(list(f.test.a))),
                     estimate(summarize(list(f.test.b))), estimate(f.test.difference), f.test.p_value, p_holm,
                     j.improvement_cell(), j.seeds_cell(), verdict, f.test.difference.n])
        sentences.append(j.sentence)
    n = max(row[-1] for row in rows)
    what = (f"each value of {key} against {values[0]}, the difference paired by seed (both values trained from the "
            "same seed).")
    blocks = [Table(["model", "metric", "value", "at value", f"at {values[0]}", "difference", "p (paired t)",
                     "p (Holm)", "P(value better)", f"seeds for power {power.POWER:g}", "verdict", "seeds"], rows,
                    verdicts.caption(n, family, what), [None] * 6 + ["p", "p", None, "count", None, None])]
    if n <= 1:
        blocks.append(Text(f"Every difference here comes from one seed per value and is untested: `genlab sweep … "
                           f"--seeds 3` trains each value of {key} with three seeds and tests each difference.",
                           note=True))
    blocks += [Text(s) for s in sentences]
    return Section(f"Does {key} change the results?", blocks)


def _by_value(states: list[TrialState], key: str) -> dict:
    """varied value → {seed: RunRecord} of the finished trials."""
    out: dict = {}
    for state in states:
        if state.record is not None:
            out.setdefault(state.vary[key], {})[state.seed] = state.record
    return out


def _pairs(value, base, runs: dict, headline) -> list[_Paired]:
    """Every model × headline metric both values measured, paired over the seeds both ran."""
    seeds = sorted(set(runs.get(value, {})) & set(runs.get(base, {})))
    if not seeds:
        return []
    first = runs[base][seeds[0]]
    out = []
    for metric, label in headline:
        for model in first.models:
            pairs = [(run_record.value(runs[value][s], metric, model), run_record.value(runs[base][s], metric, model))
                     for s in seeds]
            pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
            if pairs:
                out.append(_Paired(value, first.title(model), metric, label,
                                   paired([x for x, _ in pairs], [y for _, y in pairs])))
    return out

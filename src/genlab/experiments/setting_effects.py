"""Does a sweep's varied setting change the results? For one `--vary KEY=V1,V2,…`, each value
against the first: for every model and headline metric, the paired difference over the seeds
both values ran, its 95 % CI and a paired t-test, and one sentence from those numbers in the
words the source reports' comparisons get (genlab.experiments.verdicts). Nothing is written
by hand: from one seed the page says the difference is untested.
"""
from __future__ import annotations

from genlab.config import ComparisonSpec
from genlab import run_record
from genlab.experiments import verdicts
from genlab.experiments.aggregate import TrialState
from genlab.experiments.stats import format_mean, paired, summarize
from genlab.report.page import Section, Table, Text

LOWER_IS_BETTER = ("summary:final.test.loss", "generation:fid")  # the other headline metric, mAP: higher


def directions(comparisons: list[ComparisonSpec]) -> dict[str, str]:
    """metric → higher | lower: which way is better, from the study's comparisons where they say."""
    return {**{m: "lower" for m in LOWER_IS_BETTER}, **{c.metric: c.better for c in comparisons}}


def section(spec: dict, states: list[TrialState], headline: list[tuple[str, str]],
            better: dict[str, str]) -> Section | None:
    vary = spec.get("vary") or {}
    if len(vary) != 1:
        return None
    key, values = next(iter(vary.items()))
    runs = _by_value(states, key)
    rows, sentences = [], []
    for value in values[1:]:
        row_sentences = _compare(key, value, values[0], runs, headline, better)
        rows += [row for row, _ in row_sentences]
        sentences += [sentence for _, sentence in row_sentences]
    if not rows:
        return None
    n = max(row[-1] for row in rows)
    caption = (f"Each value of {key} against {values[0]}: mean ± 95 % CI half-width over seeds, the difference "
               "paired by seed (both values trained from the same seed).")
    blocks = [Table(["model", "metric", "value", "at value", f"at {values[0]}", "difference", "p (paired t)",
                     "verdict", "seeds"], rows, caption)]
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


def _compare(key: str, value, base, runs: dict, headline, better: dict) -> list[tuple[list, str]]:
    """(table row, sentence) for every model × headline metric both values measured."""
    seeds = sorted(set(runs.get(value, {})) & set(runs.get(base, {})))
    if not seeds:
        return []
    first = runs[base][seeds[0]]
    titles = (f"{key}={value}", f"{key}={base}")
    out = []
    for metric, label in headline:
        for model in first.models:
            pairs = [(run_record.value(runs[value][s], metric, model), run_record.value(runs[base][s], metric, model))
                     for s in seeds]
            a = [x for x, y in pairs if x is not None and y is not None]
            b = [y for x, y in pairs if x is not None and y is not None]
            if not a:
                continue
            test = paired(a, b)
            status, sentence = verdicts.judge(f"{label} of {first.title(model)}", titles, test, better.get(metric, "higher"))
            verdict = {verdicts.SUPPORTED: f"{value} better", verdicts.CONTRADICTED: f"{base} better"}.get(status, status)
            p = "—" if test.p_value is None else f"{test.p_value:.2g}"
            out.append(([first.title(model), label, str(value), format_mean(summarize(a)), format_mean(summarize(b)),
                         format_mean(test.difference), p, verdict, len(a)], sentence))
    return out

"""The source reports' comparisons, tested: for each `comparisons:` entry of a study, the
paired difference a − b over the trials (seeds) with its 95 % CI and a paired t-test, and
one sentence that says whether the difference is real at 5 % — or, from one seed, that it
is untested. Every word comes from the numbers; nothing is written by hand.

A comparison is stated as the source report states it: `a` is the model it found better.
"""
from __future__ import annotations

from dataclasses import dataclass

from genlab.config import ComparisonSpec
from genlab import run_record
from genlab.experiments.stats import ALPHA, PairedTest, format_mean, paired, summarize
from genlab.report.page import Section, Table, Text

SUPPORTED, CONTRADICTED, NOT_SIGNIFICANT, UNTESTED, MISSING = (
    "supported", "contradicted", "not significant", "untested", "missing")


@dataclass
class Verdict:
    comparison: ComparisonSpec
    a_title: str
    b_title: str
    a: list[float]  # a's value in each trial that measured both
    b: list[float]
    test: PairedTest | None
    status: str
    sentence: str


def evaluate(comparison: ComparisonSpec, records: list[run_record.RunRecord]) -> Verdict:
    pairs = [(run_record.value(r, comparison.metric, comparison.a), run_record.value(r, comparison.metric, comparison.b))
             for r in records]
    pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
    titles = (records[0].title(comparison.a), records[0].title(comparison.b)) if records else (comparison.a, comparison.b)
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    if not pairs:
        return Verdict(comparison, *titles, a, b, None, MISSING,
                       f"{comparison.label}: no trial measured it for both {titles[0]} and {titles[1]} "
                       f"({comparison.metric}); the comparison cannot be made.")
    test = paired(a, b)
    status, sentence = judge(comparison.label, titles, test, comparison.better, comparison.claim)
    return Verdict(comparison, *titles, a, b, test, status, sentence)


def judge(label: str, titles: tuple[str, str], test: PairedTest, better: str = "higher",
          claim: str = "") -> tuple[str, str]:
    """(status, sentence) for the paired difference a − b of `label`; `claim` is what the source
    report says (a is the one it found better). Also the words of a sweep's settings compared
    (genlab.experiments.setting_effects), where a and b are two values of one setting."""
    a_title, b_title = titles
    d = test.difference
    sign = 1 if better == "higher" else -1
    a_better = sign * d.mean > 0
    quoted = f" The source report: “{claim}”." if claim else ""
    if d.n == 1:
        return UNTESTED, (f"{label}: {a_title} − {b_title} = {d.mean:+.4g} from one seed — untested: one run cannot "
                          f"tell this difference from seed-to-seed variation (run with --seeds 3 or more).{quoted}")
    lo, hi = d.ci
    interval = f"{d.mean:+.4g} (95 % CI {lo:+.4g} to {hi:+.4g}, {d.n} seeds"
    if test.significant is None:
        return UNTESTED, f"{label}: {a_title} − {b_title} = {interval}); too few pairs to test.{quoted}"
    p = "p < 0.0001" if test.p_value is not None and test.p_value < 1e-4 else (
        f"p = {test.p_value:.2g}" if test.p_value is not None else "the same difference in every seed")
    if not test.significant:
        tail = " That conclusion is not supported by these runs." if claim else ""
        return NOT_SIGNIFICANT, (f"{label}: {a_title} − {b_title} = {interval}, paired t-test {p}): no significant "
                                 f"difference at {ALPHA:.0%}.{quoted}{tail}")
    winner, loser = (a_title, b_title) if a_better else (b_title, a_title)
    status = SUPPORTED if a_better else CONTRADICTED
    tail = {SUPPORTED: " These runs support it.", CONTRADICTED: " These runs contradict it."}[status] if claim else ""
    return status, (f"{label}: {winner} is better than {loser}: {a_title} − {b_title} = {interval}, "
                    f"paired t-test {p}), significant at {ALPHA:.0%}.{quoted}{tail}")


def section(comparisons: list[ComparisonSpec], records: list[run_record.RunRecord]) -> Section | None:
    """The report section: a table of every comparison and its verdict in words."""
    if not comparisons or not records:
        return None
    verdicts = [evaluate(c, records) for c in comparisons]
    rows = [[v.comparison.label, f"{v.a_title} vs {v.b_title}",
             format_mean(summarize(v.a)) if v.a else "—", format_mean(summarize(v.b)) if v.b else "—",
             format_mean(v.test.difference) if v.test else "—",
             "—" if not v.test or v.test.p_value is None else f"{v.test.p_value:.2g}", v.status] for v in verdicts]
    n = max(len(v.a) for v in verdicts)
    caption = ("Values are mean ± 95 % CI half-width over seeds; the difference is paired by seed."
               if n > 1 else "One seed: each value is a single measurement.")
    blocks = [Table(["comparison", "models (a vs b)", "a", "b", "a − b", "p (paired t)", "verdict"], rows, caption)]
    if n <= 1:
        blocks.append(Text("Every difference on this page comes from one seed and is untested: a single run cannot "
                           "say whether it is real. `genlab run STUDY --seeds 3` trains each model with three seeds "
                           "and tests each difference.", note=True))
    blocks += [Text(v.sentence) for v in verdicts]
    return Section("Is each difference real? (the source report's comparisons, tested)", blocks)

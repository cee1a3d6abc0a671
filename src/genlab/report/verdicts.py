"""The source reports' comparisons, tested: for each `comparisons:` entry of a study, the
paired difference a − b over the trials (seeds) with its 95 % CI and a paired t-test, the
Holm–Bonferroni adjustment across every comparison the report tests, and one sentence that
says whether the difference is real at 5 % — or, from one seed, that it is untested. Where it
finds no significant difference the sentence says how many seeds would (experiments/power.py);
from 5 seeds it gives rliable's probability of improvement. Every word comes from the numbers.

A comparison is stated as the source report states it: `a` is the model it found better.
"""
from __future__ import annotations

from dataclasses import dataclass

from genlab.config import ComparisonSpec
from genlab import run_record
from genlab.report import power
from genlab.report.stats import (ALPHA, MIN_SEEDS_IMPROVEMENT, Improvement, PairedTest, estimate, holm,
                                      improvement_probability, paired, summarize)
from genlab.report.page import Estimate, Section, Table, Text

SUPPORTED, CONTRADICTED, NOT_SIGNIFICANT, UNTESTED, MISSING, IDENTICAL = (
    "supported", "contradicted", "not significant", "untested", "missing", "identical")
HEADER = ["comparison", "models (a vs b)", "a", "b", "a − b", "p (paired t)", "p (Holm)", "P(a better)",
          f"seeds for power {power.POWER:g}", "verdict"]
KINDS = [None, None, None, None, None, "p", "p", None, "count", None]


@dataclass(frozen=True)
class Judgement:
    status: str
    sentence: str
    p_holm: float | None = None  # the p that decides; None where no test was run
    power: power.SeedPower | None = None  # where a test found no significant difference
    improvement: Improvement | None = None  # from MIN_SEEDS_IMPROVEMENT seeds

    def improvement_cell(self) -> Estimate | None:
        i = self.improvement
        return None if i is None else Estimate(i.probability, i.low, i.high, min(i.n_a, i.n_b))

    def seeds_cell(self) -> int | None:
        return self.power.seeds if self.power else None


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
    judgement: Judgement | None = None


def evaluate_all(comparisons: list[ComparisonSpec], records: list[run_record.RunRecord]) -> list[Verdict]:
    """Every comparison judged, significance by the Holm-adjusted p across those with a p-value."""
    found = [_pairs(c, records) for c in comparisons]
    tests = [paired(a, b) if a else None for _, a, b in found]
    adjusted = holm([t.p_value if t else None for t in tests])
    family = sum(p is not None for p in adjusted)
    out = []
    for c, (titles, a, b), test, p in zip(comparisons, found, tests, adjusted):
        if test is None:
            out.append(Verdict(c, *titles, a, b, None, MISSING,
                               f"{c.label}: no trial measured it for both {titles[0]} and {titles[1]} "
                               f"({c.metric}); the comparison cannot be made."))
            continue
        j = assess(c.label, titles, test, c.better, attributed(c), p, family)
        out.append(Verdict(c, *titles, a, b, test, j.status, j.sentence, j))
    return out


def evaluate(comparison: ComparisonSpec, records: list[run_record.RunRecord]) -> Verdict:
    """One comparison on its own (a family of one: no adjustment)."""
    return evaluate_all([comparison], records)[0]


def _pairs(c: ComparisonSpec, records: list[run_record.RunRecord]):
    pairs = [(run_record.value(r, c.metric, c.a), run_record.value(r, c.metric, c.b)) for r in records]
    pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
    titles = (records[0].title(c.a), records[0].title(c.b)) if records else (c.a, c.b)
    return titles, [x for x, _ in pairs], [y for _, y in pairs]


def judge(label: str, titles: tuple[str, str], test: PairedTest, better: str = "higher",
          claim: str = "", p_holm: float | None = None, family: int = 1) -> tuple[str, str]:
    """(status, sentence) for the paired difference a − b of `label` (see assess)."""
    j = assess(label, titles, test, better, claim, p_holm, family)
    return j.status, j.sentence


def assess(label: str, titles: tuple[str, str], test: PairedTest, better: str = "higher", claim: str = "",
           p_holm: float | None = None, family: int = 1) -> Judgement:
    """The verdict on a − b of `label`; `claim` is what the source report says (a is the one it
    found better). Significance at ALPHA is decided by `p_holm`, the Holm-adjusted p across the
    `family` tests the page draws (default: the test's own p, a family of one). Also the words of
    a sweep's settings compared (experiments/setting_effects.py), where a and b are two values."""
    a_title, b_title = titles
    d = test.difference
    quoted = f" {_quoted(claim)}." if claim else ""
    if d.n == 1:
        return Judgement(UNTESTED, f"{label}: {a_title} − {b_title} = {d.mean:+.4g} from one seed — untested (--seeds 3 "
                                   f"tests it).{quoted}")
    if test.constant_difference:
        return _no_spread(label, titles, test, better, claim)
    p_holm = test.p_value if p_holm is None else p_holm
    lo, hi = d.ci
    holm_words = f", Holm-adjusted {_p(p_holm)} over {family} tests" if family > 1 else ""
    facts = (f"{a_title} − {b_title} = {d.mean:+.4g} (95 % CI {lo:+.4g} to {hi:+.4g}, {d.n} seeds, paired t-test "
             f"{_p(test.p_value)}{holm_words})")
    improvement = improvement_probability(list(test.a), list(test.b), better)
    after = _constant_side(titles, test) + _improvement_words(titles, improvement, better)
    if p_holm >= ALPHA:
        found = power.analyse(test)
        adjusted = " after the Holm adjustment" if test.p_value < ALPHA else ""
        tail = " That conclusion is not supported by these runs." if claim else ""
        return Judgement(NOT_SIGNIFICANT, f"{label}: {facts}: no significant difference at {ALPHA:.0%}{adjusted}."
                                          f"{quoted}{tail} {power.sentence(found)}{after}", p_holm, found, improvement)
    status, winner, loser = _direction(titles, d.mean, better)
    tail = {SUPPORTED: " These runs support it.", CONTRADICTED: " These runs contradict it."}[status] if claim else ""
    return Judgement(status, f"{label}: {winner} is better than {loser}: {facts}, significant at {ALPHA:.0%}."
                             f"{quoted}{tail}{after}", p_holm, None, improvement)


def attributed(c: ComparisonSpec) -> str:
    """The comparison's claim labelled by who makes it: the source report, the literature (its
    reference is the claim's text before the first colon) or genlab itself."""
    if not c.claim:
        return ""
    ref, sep, text = c.claim.partition(": ")
    ref, text = (ref, text) if sep and c.claim_by != "genlab" else ("", c.claim)
    if c.claim_by == "genlab":
        return f"genlab's own hypothesis (no source report makes it): “{text}”"
    who = "The literature" if c.claim_by == "literature" else "The source report"
    return f"{who} ({ref}) claims: “{text}”" if ref else f"{who} claims: “{text}”"


def _quoted(claim: str) -> str:
    """An attributed claim as it is; a bare one (a caller's own words) quoted as the source report's."""
    return claim if claim.endswith("”") else f"The source report claims: “{claim}”"


def _p(p: float) -> str:
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.2g}"


def _direction(titles: tuple[str, str], mean: float, better: str) -> tuple[str, str, str]:
    a_better = (mean > 0) == (better == "higher")
    return (SUPPORTED, *titles) if a_better else (CONTRADICTED, titles[1], titles[0])


def _no_spread(label: str, titles: tuple[str, str], test: PairedTest, better: str, claim: str) -> Judgement:
    """No spread in a − b over n ≥ 2 seeds: identical in every seed, or a deterministic difference."""
    (a_title, b_title), d = titles, test.difference
    quoted = f" {_quoted(claim)}." if claim else ""
    if test.identical:
        values = (f"both gave {test.a[0]:.4g} in every one of the {d.n} seeds — identical in every seed: no difference, "
                  "and no seed-to-seed variation to test" if test.a_constant else
                  f"gave the same value as each other in every one of the {d.n} seeds — identical in every seed (the "
                  "value changes from seed to seed, never between them): no difference to test")
        tail = " That conclusion is not supported by these runs." if claim else ""
        return Judgement(IDENTICAL, f"{label}: {a_title} and {b_title} {values}.{quoted}{tail}")
    same = (f" Neither changes with the seed: {a_title} gave {test.a[0]:.4g} and {b_title} {test.b[0]:.4g} every time."
            if test.a_constant and test.b_constant else "")
    if d.n < 3:
        return Judgement(UNTESTED, f"{label}: {a_title} − {b_title} = {d.mean:+.4g} in both seeds — the same difference "
                                   "twice, so the paired t-test is undefined (no p-value), and two seeds are too few to "
                                   f"call a difference real without one (run with --seeds 3 or more).{same}{quoted}")
    status, winner, loser = _direction(titles, d.mean, better)
    tail = {SUPPORTED: " These runs support it.", CONTRADICTED: " These runs contradict it."}[status] if claim else ""
    return Judgement(status, f"{label}: {winner} is better than {loser}: {a_title} − {b_title} = {d.mean:+.4g} in "
                             f"every one of the {d.n} seeds — a deterministic difference: with no spread between seeds "
                             f"the paired t-test is undefined (no p-value).{same}{quoted}{tail}")


def _constant_side(titles: tuple[str, str], test: PairedTest) -> str:
    for title, other, values, constant in ((*titles, test.a, test.a_constant), (*titles[::-1], test.b, test.b_constant)):
        if constant:
            return (f" {title} gave {values[0]:.4g} in every seed, so the test weighs {other}'s seed-to-seed "
                    "spread alone.")
    return ""


def _improvement_words(titles: tuple[str, str], i: Improvement | None, better: str) -> str:
    if i is None:
        return ""
    word = "higher" if better == "higher" else "lower"
    spread = (f"every one of the {i.n_a} × {i.n_b} pairs of seeds agrees, and so does every bootstrap resample"
              if i.probability in (0.0, 1.0) else f"95 % CI {i.low:.2f} to {i.high:.2f}; rliable's estimator over all "
              f"{i.n_a} × {i.n_b} pairs of seeds")
    return f" Probability of improvement P({titles[0]} {word} than {titles[1]}) = {i.probability:.2f} ({spread})."


def caption(n: int, family: int, what: str) -> str:
    """The verdict tables' caption: what each column is and how significance was decided."""
    if n <= 1:
        return f"One seed: each value is a single measurement and nothing is tested; {what}"
    decided = (f"decided by the Holm-adjusted p (Holm–Bonferroni across the {family} test{'s' * (family != 1)} with a "
               "p-value in this table); the unadjusted paired-t p is shown beside it" if family else
               "not testable here: no difference in this table has a p-value (the sentences say why)")
    return (f"Values are mean ± 95 % CI half-width over seeds; {what} Significance at {ALPHA:.0%} is {decided}. "
            f"Seeds for power {power.POWER:g}: where no significant difference was found, the seeds a paired t-test "
            "needs to detect the observed difference with that probability (blank: significant, untested, or more "
            f"than {power.MAX_SEEDS:,}; the sentence says which). P(better): rliable's probability of improvement, "
            f"from {MIN_SEEDS_IMPROVEMENT} seeds.")


def section(comparisons: list[ComparisonSpec], records: list[run_record.RunRecord]) -> Section | None:
    """The report section: a table of every comparison and its verdict in words."""
    if not comparisons or not records:
        return None
    verdicts = evaluate_all(comparisons, records)
    rows = [[v.comparison.label, f"{v.a_title} vs {v.b_title}",
             estimate(summarize(v.a)) if v.a else None, estimate(summarize(v.b)) if v.b else None,
             estimate(v.test.difference) if v.test else None, v.test.p_value if v.test else None,
             v.judgement.p_holm if v.judgement else None, v.judgement.improvement_cell() if v.judgement else None,
             v.judgement.seeds_cell() if v.judgement else None, v.status] for v in verdicts]
    n = max(len(v.a) for v in verdicts)
    family = sum(v.judgement is not None and v.judgement.p_holm is not None for v in verdicts)
    blocks = [Table(HEADER, rows, caption(n, family, "a − b pairs the two models' values of the same seed (same data split)."), KINDS)]
    blocks += [Text(v.sentence) for v in verdicts]
    return Section("Is each difference real? (the source report's comparisons, tested)", blocks)

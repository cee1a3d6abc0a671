"""The findings that open every page, computed from the run (or the trials of an experiment):
the best model on each headline metric, each tested comparison's verdict in one line, the
caveats that apply to the whole page (each said once, here), and who the source report is.

Sections below repeat none of this: `strip_repeated` removes a page-wide caveat sentence
(one seed's "untested") from their conclusions, so a reader meets it once, at the top.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab import run_record
from genlab.config import ComparisonSpec
from genlab.report import verdicts
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Bullets, Conclusion, Section, Text
from genlab.report.sources import by_short
from genlab.report.stats import summarize

LOWER_IS_BETTER = ("loss", "mse", "fid", "kid", "error", "time")  # metric words whose lower value is better
KINDS = (("fid", "fid"), ("kid", "loss"), ("accuracy", "percent"), ("f1", "percent"), ("map", "score"),
         ("recall", "score"), ("precision", "score"), ("psnr", "db"))


@dataclass
class PageFacts:
    """What the findings are computed from."""

    study: str  # the study's kind, e.g. dense
    records: list[run_record.RunRecord]  # one per finished trial (a run: itself)
    headlines: list[tuple[str, str]]  # (SOURCE:PATH, label)
    comparisons: list[ComparisonSpec] = field(default_factory=list)
    source: str = ""  # the source report's short citation (genlab.report.sources)
    quick: bool = False  # the study's quick: block was applied
    caveats: list[str] = field(default_factory=list)  # the study's own (synthetic data, …)


def lower_is_better(metric: str, label: str, comparisons: list[ComparisonSpec] = ()) -> bool:
    declared = next((c.better for c in comparisons if c.metric == metric), None)
    if declared:
        return declared == "lower"
    words = f"{metric} {label}".lower()
    return any(w in words for w in LOWER_IS_BETTER)


def kind_of(metric: str, label: str) -> str:
    words = f"{metric} {label}".lower()
    return next((kind for word, kind in KINDS if word in words), "loss")


def best_per_headline(facts: PageFacts) -> list[str]:
    """'Lowest test loss: AE-64 improved (0.0167), ahead of AE-64 (0.0202).' for each headline
    metric that at least one model measured (a mean over the trials of an experiment)."""
    out = []
    models = facts.records[0].models if facts.records else []
    for metric, label in facts.headlines:
        means = {}
        for model in models:
            found = run_record.values(facts.records, metric, model)
            if found:
                means[facts.records[0].title(model)] = summarize(found).mean
        if means:
            seeds = "" if len(facts.records) <= 1 else f" (mean over {len(facts.records)} seeds)"
            kind = kind_of(metric, label)
            if kind == "percent" and max(abs(v) for v in means.values()) <= 1:
                means = {name: 100 * v for name, v in means.items()}  # a record's fraction (sklearn's), shown in %
            sentence = best_sentence(label + seeds, means, kind, lower_is_better(metric, label, facts.comparisons))
            out.append(sentence)
    return [s for s in out if s]


def verdict_lines(facts: PageFacts) -> list[str]:
    """One line per comparison: its verdict word, the models, the difference."""
    if not facts.comparisons or not facts.records:
        return []
    lines = []
    for v in verdicts.evaluate_all(facts.comparisons, facts.records):
        who = {"genlab": "genlab's hypothesis", "literature": "the literature's claim"}.get(
            v.comparison.claim_by, "the source report's claim") if v.comparison.claim else "a comparison"
        diff = f": a − b = {v.test.difference.mean:+.4g}" if v.test else ""
        lines.append(f"**{v.status}** — {v.comparison.label}, {v.a_title} vs {v.b_title} ({who}){diff}.")
    return lines


def caveats(facts: PageFacts) -> list[str]:
    """Each caveat that applies to the whole page, once."""
    out = []
    if facts.quick:
        out.append("A reduced run (`--quick`: fewer epochs, subsets of the data, fewer samples for FID): its numbers "
                   "show the study works, not the study's results; run without `--quick` for those.")
    if len(facts.records) <= 1:
        out.append(one_seed(facts.study))
    data = (facts.records[0].metrics.get("data") or {}) if facts.records else {}
    if data and data.get("official") is False:
        out.append(f"The data is not the official release of {data.get('title', 'the dataset')}"
                   + (f": {data['note']}." if data.get("note") else "."))
    out += [c for c in facts.caveats if c and c not in out]
    return out


def section(facts: PageFacts) -> Section:
    """The findings block at the top of a page."""
    blocks: list = []
    best = best_per_headline(facts)
    if best:
        blocks.append(Bullets("What this run found" if len(facts.records) <= 1 else "What these trials found", best))
    lines = verdict_lines(facts)
    if lines:
        blocks.append(Bullets("The comparisons claimed, tested (details: “Is each difference real?”)", lines))
    found = caveats(facts)
    if found:
        blocks.append(Bullets("Caveats (they apply to everything below, and are not repeated there)", found))
    cited = by_short(facts.source)
    if cited:
        blocks.append(Text(f"Source report ({cited.short}): {cited.full()}. Its numbers stand beside genlab's on "
                           "this page; claims are labelled by who makes them (the source report, the literature "
                           "with its reference, or genlab)."))
    return Section("Findings", blocks or [Text("Nothing measured yet.")])


def banner(quick: bool, study: str) -> str:
    return (f"Quick run (`genlab run {study} --quick`): reduced epochs and data. The numbers below are not the "
            "study's results." if quick else "")


def strip_repeated(sections: list[Section], sentences: list[str]) -> None:
    """Remove each page-wide caveat sentence from the sections' text (the findings say it once);
    a block left empty is dropped."""
    for section in sections:
        kept = []
        for block in section.blocks:
            if isinstance(block, (Text, Conclusion)):
                body = block.body
                for sentence in sentences:
                    body = body.replace(sentence, "")
                body = " ".join(body.split(" ")).replace("  ", " ").strip()
                if not body:
                    continue
                block.body = body
            kept.append(block)
        section.blocks = kept

"""An analysis: one thing a study measures on its trained models, and its report section.

Each analysis declares the capabilities it needs from a model (see
genlab.methods.base.CAPABILITIES) and is run on exactly the models that have them; the
others are skipped and the report says so in one sentence. Models are never chosen by
registry name. An analysis's results land in metrics.json under analyses.<key>, and its
section is built from the run folder alone: the config the run used and those results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genlab.config import StudyConfig
from genlab.methods.base import CAPABILITIES
from genlab.report.page import Block, Section, Text
from genlab.runs import RunDir


@dataclass
class AnalysisContext:
    """What an analysis may use while it runs."""

    config: StudyConfig
    settings: Any  # the study's validated `analysis:` dataclass
    run: RunDir
    splits: Any  # genlab.data.splits.Splits
    summaries: dict[str, dict]  # model name → the trainer's summary
    progress: bool = True
    runtime: Any = None  # genlab.studies.base.Runtime: device and --resume for what an analysis trains

    def title(self, name: str) -> str:
        return self.config.model(name).title


@dataclass
class ReportView:
    """What a report section may read: the run's own config, settings and results."""

    config: StudyConfig
    settings: Any
    run: RunDir
    metrics: dict  # metrics.json
    summaries: dict[str, dict] = field(default_factory=dict)

    def title(self, name: str) -> str:
        return self.config.model(name).title

    def results(self, key: str) -> dict:
        return self.metrics.get("analyses", {}).get(key, {})


class Analysis:
    key: str = ""  # metrics.json analyses.<key>; unique within a study
    title: str = ""  # the report section's heading
    needs: frozenset[str] = frozenset()  # capabilities a model must have to be included

    def requested(self, settings) -> list[str]:
        """Models the study file explicitly asks this analysis for (they must qualify)."""
        return []

    def enabled(self, settings) -> bool:
        return True

    def missing(self, capabilities: frozenset[str]) -> list[str]:
        return sorted(self.needs - capabilities)

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        """Measure `models` (name → trained Method, eval mode); return JSON-able results."""
        raise NotImplementedError

    def blocks(self, view: ReportView, results: dict) -> list[Block]:
        raise NotImplementedError

    def section(self, view: ReportView) -> Section | None:
        entry = view.results(self.key)
        if not entry:
            return None
        blocks = self.blocks(view, entry.get("results", {})) if entry.get("models") else []
        skipped = skipped_sentence(view, entry.get("skipped", {}))
        if skipped:
            blocks.append(Text(skipped, note=True))
        return Section(self.title, blocks)


def skipped_sentence(view: ReportView, skipped: dict[str, list[str]]) -> str:
    """'Not in this analysis, which needs a model that draws new images from a prior (sample):
    AE-2; AE-64.' — one sentence per set of missing capabilities, not one per model (titles
    may hold commas, so they are joined by semicolons)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, missing in skipped.items():
        groups.setdefault(tuple(missing), []).append(view.title(name))
    return " ".join(f"Not in this analysis, which needs a model that {' and '.join(CAPABILITIES.get(c, c) for c in missing)} "
                    f"({', '.join(missing)}): {'; '.join(titles)}." for missing, titles in groups.items())


def figure_block(name: str, caption: str):
    """The report's block for figure `name`: the same name the producer passed to
    RunDir.figure(name), so a figure's file name is declared once."""
    from genlab.report.page import Figure

    return Figure(f"figures/{name}.png", caption)

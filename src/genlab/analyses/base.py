"""An analysis: one thing a study measures on its trained models, and its report section.

Each analysis declares the capabilities it needs from a model (see
genlab.methods.base.CAPABILITIES) and is run on exactly the models that have them; the
others are skipped and the report says so in one sentence. Models are never chosen by
registry name. Each analysis owns its settings: a dataclass (`Settings`) that is the
study file's `analysis.<key>` mapping, every key checked, plus `enabled`. Its results
land in metrics.json under analyses.<key>, and its section is built from the run folder
alone: the config the run used, the data's facts and those results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genlab.config import StudyConfig
from genlab.errors import GenlabError
from genlab.methods.base import CAPABILITIES
from genlab.report.page import Block, Figure, Section, Text
from genlab.runs import RunDir


@dataclass
class AnalysisSettings:
    """Every analysis's settings have these; an analysis adds its own fields."""

    enabled: bool = True  # run this analysis; false leaves it out (its section too)


def within(settings, key: str, limits: dict[str, tuple[float, float, str]]) -> None:
    """Each numeric setting in its range: `limits` is field → (lowest, highest, what it counts);
    one line naming analysis.<key>.<field> otherwise (None means "the default" and passes)."""
    for name, (low, high, what) in limits.items():
        value = getattr(settings, name)
        if value is not None and not low <= value <= high:
            raise GenlabError(f"analysis.{key}.{name} must be from {low:,} to {high:,} ({what}), got {value}")


@dataclass
class AnalysisContext:
    """What an analysis may use while it runs."""

    config: StudyConfig
    settings: Any  # this analysis's validated settings (its Settings dataclass)
    run: RunDir
    splits: Any  # genlab.data.splits.Splits (its `facts` name the data)
    summaries: dict[str, dict]  # model name → the trainer's summary
    progress: bool = True
    runtime: Any = None  # genlab.studies.base.Runtime: device and --resume for what an analysis trains
    reported: dict[str, dict] = field(default_factory=dict)  # the source report's numbers, by model name

    def title(self, name: str) -> str:
        return self.config.model(name).title


@dataclass
class ReportView:
    """What a report section may read: the run's own config, settings, data facts and results."""

    config: StudyConfig
    settings: Any  # this analysis's settings (the study's own, for an overview)
    run: RunDir
    metrics: dict  # metrics.json
    summaries: dict[str, dict] = field(default_factory=dict)
    reported: dict[str, dict] = field(default_factory=dict)  # the source report's numbers, by model name
    source: str = ""  # what the source report is called in sentences ("Freitas & Rodrigues, 2023"); "" for none
    methods: Any = None  # name → the model built on the meta device (genlab.studies.model_study.MetaModels)

    def title(self, name: str) -> str:
        return self.config.model(name).title

    def results(self, key: str) -> dict:
        return self.metrics.get("analyses", {}).get(key, {})

    @property
    def data(self) -> dict:
        """The data's facts as the run recorded them (metrics.json "data"): title, shape, classes, sizes."""
        return self.metrics.get("data", {})

    @property
    def dataset(self) -> str:
        return self.data.get("title", "the dataset")

    def with_settings(self, settings) -> "ReportView":
        return ReportView(self.config, settings, self.run, self.metrics, self.summaries, self.reported, self.source,
                          self.methods)


class Analysis:
    key: str = ""  # metrics.json analyses.<key> and the study file's analysis.<key>; unique within a study
    title: str = ""  # the report section's heading
    needs: frozenset[str] = frozenset()  # capabilities a model must have to be included
    labels: bool = False  # needs labelled data (class names): skipped with a sentence on unlabelled data
    Settings: type = AnalysisSettings  # the study file's analysis.<key> mapping

    def requested(self, settings) -> list[str]:
        """Models the study file explicitly asks this analysis for (they must qualify)."""
        return []

    def check(self, config: StudyConfig, settings, facts) -> None:
        """Checks of the settings against the study's models and data, before the run folder exists."""

    def prepare(self, ctx: AnalysisContext) -> None:
        """Work that must not fall inside a timed training (e.g. loading the FID feature network)."""

    def callbacks(self, spec, ctx: AnalysisContext) -> list:
        """Epoch callbacks of the one trainer for model `spec` (snapshots, per-epoch FID)."""
        return []

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
        if entry.get("unlabelled"):
            return Section(self.title, [Text(f"Not run: it needs class labels, and {view.dataset} has none.", note=True)])
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


def figure_block(name: str, caption: str) -> Figure:
    """The report's block for figure `name`: the same name the producer passed to
    RunDir.figure(name), so a figure's file name is declared once."""
    return Figure(f"figures/{name}.png", caption)


def class_names(facts_or_data) -> tuple[str, ...]:
    """The data's class names (an object with `classes`, or the run's recorded data facts)."""
    classes = facts_or_data.get("classes") if isinstance(facts_or_data, dict) else facts_or_data.classes
    return tuple(classes or ())

"""A study of registry models on a dataset of images, built from parts: the data (the study
file's `data:`), the models (its `models:`, each describing itself), analyses that declare
the capabilities and settings they need, and an overview that reads the run.

    preflight   settings, data (found, verified, its shape and classes), every model built
                on the meta device for that shape (its params checked, its capabilities
                read), every analysis matched to its models — all before the run folder exists
    run         train every model through the one trainer, then each analysis on the
                models that qualify; results into metrics.json
    sections    the report, from the run folder alone
"""
from __future__ import annotations

import difflib
import sys
import time
from dataclasses import dataclass, fields

from genlab import registry
from genlab.analyses.base import Analysis, AnalysisContext, ReportView
from genlab.config import StudyConfig
from genlab.engine.optim import check_steps
from genlab.errors import GenlabError
from genlab.report.page import Section, Text
from genlab.runs import RunDir
from genlab.studies.base import StudyContext
from genlab.studies.sweep_floor import latent_floor
from genlab.typed_settings import from_dict


@dataclass
class StudySettings:
    """The study file's `analysis:` mapping: the study's own keys, and one mapping per analysis."""

    own: object  # the study's Settings dataclass (e.g. the source report's numbers)
    analyses: dict[str, object]  # analysis key → its Settings


@dataclass
class Plan:
    """Which models each analysis runs on, and which it skips (name → missing capabilities)."""

    included: dict[str, list[str]]
    skipped: dict[str, dict[str, list[str]]]
    unlabelled: list[str]  # analyses that need class labels the data does not have


class MetaModels(dict):
    """name → the study's model built on the meta device (no memory, no time) for the data's
    shape: what each model says of itself, read once per report or preflight."""

    def __init__(self, config: StudyConfig, shape, classes):
        super().__init__()
        self.config, self.shape, self.classes = config, tuple(shape), classes

    def __missing__(self, name: str):
        spec = self.config.model(name)
        self[name] = registry.build_meta(spec.model, spec.params, shape=self.shape, classes=self.classes)
        return self[name]


def load_facts(data_config):
    """The data's facts (found and verified; cached per process)."""
    from genlab.data import load

    return load(data_config).facts


def facts_shape(data: dict) -> tuple[tuple[int, int, int], int | None]:
    """(shape, class count) from the data facts a run recorded."""
    classes = data.get("classes")
    return tuple(data["shape"]), (len(classes) if classes else None)


class ModelStudy:
    """Subclasses set kind, title, Settings, analyses, source and the overview."""

    kind: str = ""
    title: str = ""
    source: str = ""  # the source report as sentences cite it (genlab.report.sources: "Freitas & Rodrigues, 2023"); "" for none
    Settings: type = object  # the dataclass of the study's own keys under `analysis:`
    analyses: tuple[Analysis, ...] = ()
    # each model's main numbers: the terminal's summary of a run and an experiment page's table over seeds
    headlines: tuple[tuple[str, str], ...] = (("summary:final.test.loss", "test loss"), ("generation:fid", "FID"))

    # ------------------------------------------------------------ hooks
    def check(self, config: StudyConfig, settings) -> None:
        """Study-specific checks of its own settings before the run folder exists."""

    def overview(self, view: ReportView) -> list[Section]:
        return []

    def caveat(self, config: dict, metrics: dict) -> str:
        """What every page of this study's runs must say about its data ("" for nothing)."""
        return ""

    def sweep_floor(self, vary: dict, config: dict) -> dict | None:
        """The floor under a one-setting sweep's curve (PCA's for an autoencoder's latent size)."""
        return latent_floor(vary, config)

    # ------------------------------------------------------------ settings and checks
    def check_models(self, config: StudyConfig) -> None:
        """Every model's registry entry and params, torch-free: a typo is answered in milliseconds."""
        for spec in config.models:
            registry.check_params(spec.model, spec.params)

    def settings(self, config: StudyConfig) -> StudySettings:
        raw = config.analysis or {}
        own_keys = {f.name for f in fields(self.Settings)}
        by_key = {a.key: a for a in self.analyses}
        unknown = [k for k in raw if k not in own_keys and k not in by_key]
        if unknown:
            known = sorted(own_keys | set(by_key))
            close = difflib.get_close_matches(str(unknown[0]), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
            raise GenlabError(f"unknown key 'analysis.{unknown[0]}' for the {self.kind} study{hint}")
        own = from_dict(self.Settings, {k: v for k, v in raw.items() if k in own_keys}, "analysis")
        analyses = {a.key: from_dict(a.Settings, raw.get(a.key) or {}, f"analysis.{a.key}") for a in self.analyses}
        return StudySettings(own, analyses)

    def preflight(self, config: StudyConfig, facts=None) -> Plan:
        """Every check that needs no training: the data found and verified (its facts, unless
        given), the settings, every model built for the data's shape, the analyses matched."""
        facts = facts or load_facts(config.data)
        settings = self.settings(config)
        if not config.models:
            raise GenlabError(f"the {self.kind} study needs at least one model under models:")
        models = MetaModels(config, facts.shape, len(facts.classes) if facts.classes else None)
        caps = {}
        for spec in config.models:
            check_steps(models[spec.name], spec.train, f"models.{spec.name}")
            caps[spec.name] = models[spec.name].capabilities()
        self.check(config, settings.own)
        for analysis in self.analyses:
            analysis.check(config, settings.analyses[analysis.key], facts)
        return plan_analyses(self.analyses, settings, caps, labelled=bool(facts.classes))

    def check_memory(self, config: StudyConfig, device) -> None:
        """Every model's training batch against the memory free on `device` (engine/memory.py)."""
        from genlab.engine import memory

        facts = load_facts(config.data)
        models = MetaModels(config, facts.shape, len(facts.classes) if facts.classes else None)
        for spec in config.models:
            memory.check(models[spec.name], facts.shape, spec.train, f"models.{spec.name}", device)

    # ------------------------------------------------------------ the study
    def run(self, ctx: StudyContext) -> None:
        from genlab.data.splits import make_splits
        from genlab.studies.training import train_models, trained_models

        splits = make_splits(ctx.config.data, ctx.config.seed)
        plan = self.preflight(ctx.config, splits.facts)
        settings: StudySettings = ctx.options
        ctx.run.update_metrics("data", data_record(splits))
        contexts = {a.key: self._context(ctx, splits, settings, a, {}) for a in self.analyses}
        active = [a for a in self.analyses if a.key in plan.included]
        for analysis in active:
            analysis.prepare(contexts[analysis.key])
        summaries = train_models(ctx, splits, lambda spec: [cb for a in active
                                                            for cb in a.callbacks(spec, contexts[a.key])])
        methods = trained_models(ctx)
        for analysis in self.analyses:
            actx = self._context(ctx, splits, settings, analysis, summaries)
            if analysis.key in plan.included:
                self._run_one(analysis, actx, methods, plan)
            elif analysis.key in plan.unlabelled:
                record_analysis(ctx.run, analysis.key, {"models": [], "skipped": {}, "results": {},
                                                        "unlabelled": True})

    def _context(self, ctx: StudyContext, splits, settings: StudySettings, analysis: Analysis,
                 summaries: dict) -> AnalysisContext:
        return AnalysisContext(ctx.config, settings.analyses[analysis.key], ctx.run, splits, summaries,
                               ctx.runtime.progress, ctx.runtime, getattr(settings.own, "reported", {}))

    def _run_one(self, analysis: Analysis, actx: AnalysisContext, methods: dict, plan: Plan) -> None:
        names = plan.included[analysis.key]
        print(f"genlab: {self.kind}: {analysis.title} ({len(names)} model{'s' * (len(names) != 1)})…",
              file=sys.stderr, flush=True)
        start = time.perf_counter()
        results = analysis.run(actx, {n: methods[n] for n in names}) if names else {}
        record_analysis(actx.run, analysis.key, {"models": names, "skipped": plan.skipped[analysis.key],
                                                 "results": results, "seconds": time.perf_counter() - start})

    def view(self, run: RunDir, config: StudyConfig) -> ReportView:
        metrics = run.read_metrics()
        summaries = {spec.name: run.model(spec.name).read_summary() for spec in config.models}
        settings = self.settings(config)
        data = metrics.get("data") or {}
        methods = MetaModels(config, *facts_shape(data)) if data.get("shape") else None
        return ReportView(config, settings.own, run, metrics, {n: s for n, s in summaries.items() if s},
                          getattr(settings.own, "reported", {}), self.source, methods)

    def sections(self, run: RunDir, config: StudyConfig) -> list[Section]:
        view = self.view(run, config)
        if not view.summaries:
            return [Section(self.title, [Text("This run holds no trained models yet (it did not finish); "
                                              "rerun it with --resume to complete it.", note=True)])]
        settings = self.settings(config)
        sections = list(self.overview(view))
        for analysis in self.analyses:
            section = analysis.section(view.with_settings(settings.analyses[analysis.key]))
            if section is not None:
                sections.append(section)
        return sections


def plan_analyses(analyses, settings: StudySettings, caps: dict[str, frozenset[str]], labelled: bool) -> Plan:
    included, skipped, unlabelled = {}, {}, []
    for analysis in analyses:
        own = settings.analyses[analysis.key]
        if not own.enabled:
            continue
        for name in analysis.requested(own):
            if name not in caps:
                raise GenlabError(f"the {analysis.key} analysis is asked for model {name!r}, which is not a model of "
                                  f"this study (models: {', '.join(caps)})")
            if analysis.missing(caps[name]):
                raise GenlabError(f"the {analysis.key} analysis is asked for model {name!r}, which cannot serve it: "
                                  f"it lacks {', '.join(analysis.missing(caps[name]))}; remove it from that list")
        if analysis.labels and not labelled:
            unlabelled.append(analysis.key)
            continue
        included[analysis.key] = [n for n, c in caps.items() if not analysis.missing(c)]
        skipped[analysis.key] = {n: analysis.missing(c) for n, c in caps.items() if analysis.missing(c)}
    return Plan(included, skipped, unlabelled)


def record_analysis(run: RunDir, key: str, entry: dict) -> None:
    metrics = run.read_metrics()
    metrics.setdefault("analyses", {})[key] = entry
    run.update_metrics("analyses", metrics["analyses"])


def data_record(splits) -> dict:
    """The data's facts and split sizes, as metrics.json "data" keeps them for the report."""
    f = splits.facts
    return {"key": f.key, "title": f.title, "shape": list(f.shape), "classes": list(f.classes) if f.classes else None,
            "identity": f.identity, "official": f.official, "note": f.note, "n_train": len(splits.train),
            "n_val": len(splits.val), "n_test": len(splits.test)}

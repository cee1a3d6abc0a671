"""A study of registry models on Fashion-MNIST, built from parts: models (the study
file), analyses that declare the capabilities they need, and report sections.

    preflight   settings, data, every model built on the meta device (its params
                checked, its capabilities read), every analysis matched to its models —
                all before the run folder exists
    run         train every model through the one trainer, then each analysis on the
                models that qualify; results into metrics.json
    sections    the report, from the run folder alone
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from genlab import config as cfgmod
from genlab.analyses.base import Analysis, AnalysisContext, ReportView
from genlab.config import StudyConfig
from genlab.errors import GenlabError
from genlab.report.page import Section, Table
from genlab.runs import RunDir
from genlab.studies.base import StudyContext


def model_capabilities(config: StudyConfig) -> dict[str, frozenset[str]]:
    """Build every model on the meta device (no memory, no time): checks its params and
    reads its capabilities before anything trains."""
    import torch

    from genlab import registry
    from genlab.engine.optim import check_steps

    caps = {}
    for spec in config.models:
        with torch.device("meta"):
            method = registry.build(spec.model, spec.params)
        check_steps(method, spec.train, f"models.{spec.name}")
        caps[spec.name] = method.capabilities()
    return caps


@dataclass
class Plan:
    """Which models each analysis runs on, and which it skips (name → missing capabilities)."""

    included: dict[str, list[str]]
    skipped: dict[str, dict[str, list[str]]]


def plan_analyses(analyses: list[Analysis], settings, caps: dict[str, frozenset[str]]) -> Plan:
    included, skipped = {}, {}
    for analysis in analyses:
        if not analysis.enabled(settings):
            continue
        for name in analysis.requested(settings):
            if name not in caps:
                raise GenlabError(f"the {analysis.key} analysis is asked for model {name!r}, which is not a model of "
                                  f"this study (models: {', '.join(caps)})")
            if analysis.missing(caps[name]):
                raise GenlabError(f"the {analysis.key} analysis is asked for model {name!r}, which cannot serve it: "
                                  f"it lacks {', '.join(analysis.missing(caps[name]))}; remove it from that list")
        included[analysis.key] = [n for n, c in caps.items() if not analysis.missing(c)]
        skipped[analysis.key] = {n: analysis.missing(c) for n, c in caps.items() if analysis.missing(c)}
    return Plan(included, skipped)


class ModelStudy:
    """Subclasses set kind, title, Settings, analyses and may override the hooks."""

    kind: str = ""
    title: str = ""
    Settings: type = object  # the dataclass of the study file's `analysis:` mapping
    analyses: tuple[Analysis, ...] = ()

    # ------------------------------------------------------------ hooks
    def check(self, config: StudyConfig, settings) -> None:
        """Study-specific checks before the run folder exists (data, settings relations)."""

    def before_training(self, ctx: StudyContext, settings) -> None:
        """Work that must not fall inside a timed training (e.g. the FID feature network)."""

    def callbacks(self, spec, settings, ctx: StudyContext) -> list:
        return []

    def overview(self, view: ReportView) -> list[Section]:
        return []

    # ------------------------------------------------------------ the study
    def settings(self, config: StudyConfig):
        return cfgmod.typed_options(self.Settings, config.analysis, "analysis")

    def preflight(self, config: StudyConfig) -> Plan:
        settings = self.settings(config)
        if not config.models:
            raise GenlabError(f"the {self.kind} study needs at least one model under models:")
        plan = plan_analyses(list(self.analyses), settings, model_capabilities(config))
        self.check(config, settings)
        return plan

    def run(self, ctx: StudyContext) -> None:
        from genlab.data.splits import make_splits
        from genlab.studies.runner import train_models, trained_models

        settings = ctx.options
        plan = self.preflight(ctx.config)
        splits = make_splits(ctx.config.data, ctx.config.seed)
        self.before_training(ctx, settings)
        summaries = train_models(ctx, splits, lambda spec: self.callbacks(spec, settings, ctx))
        methods = trained_models(ctx)
        ctx.run.update_metrics("data", {"n_train": len(splits.train), "n_val": len(splits.val),
                                        "n_test": len(splits.test)})
        actx = AnalysisContext(ctx.config, settings, ctx.run, splits, summaries, ctx.runtime.progress, ctx.runtime)
        for analysis in self.analyses:
            if analysis.key in plan.included:
                self._run_one(analysis, actx, methods, plan)

    def _run_one(self, analysis: Analysis, actx: AnalysisContext, methods: dict, plan: Plan) -> None:
        names = plan.included[analysis.key]
        print(f"genlab: {self.kind}: {analysis.title} ({len(names)} model{'s' * (len(names) != 1)})…",
              file=sys.stderr, flush=True)
        start = time.perf_counter()
        results = analysis.run(actx, {n: methods[n] for n in names}) if names else {}
        metrics = actx.run.read_metrics()
        metrics.setdefault("analyses", {})[analysis.key] = {
            "models": names, "skipped": plan.skipped[analysis.key], "results": results,
            "seconds": time.perf_counter() - start}
        actx.run.update_metrics("analyses", metrics["analyses"])

    def view(self, run: RunDir, config: StudyConfig) -> ReportView:
        metrics = run.read_metrics()
        summaries = {spec.name: run.model(spec.name).read_summary() for spec in config.models}
        return ReportView(config, self.settings(config), run, metrics, {n: s for n, s in summaries.items() if s})

    def sections(self, run: RunDir, config: StudyConfig) -> list[Section]:
        view = self.view(run, config)
        sections = list(self.overview(view))
        sections += [s for a in self.analyses if (s := a.section(view)) is not None]
        return sections


def describe_training(cfg) -> str:
    """'adam, lr 0.001, betas (0.9, 0.999)' and whatever else of the TrainConfig applies."""
    text = f"{cfg.optimizer}, lr {cfg.lr:g}"
    if cfg.optimizer in ("adam", "adamw"):
        text += f", betas ({cfg.betas[0]:g}, {cfg.betas[1]:g})"
    elif cfg.momentum:
        text += f", momentum {cfg.momentum:g}"
    if cfg.weight_decay:
        text += f", weight decay {cfg.weight_decay:g}"
    if cfg.schedule != "constant":
        text += f", {cfg.schedule} schedule"
    if cfg.steps:
        text += ", " + ", ".join(f"{n} {name} steps per batch" for name, n in cfg.steps.items())
    return text


def device_text(summary: dict) -> str:
    """'cpu', or 'cpu (bfloat16)' for a model trained in mixed precision (train.precision)."""
    used = summary.get("precision", "float32")
    return summary["device"] + (f" ({used})" if used != "float32" else "")


def models_table(view: ReportView, specs: list) -> Table:
    """How each model was built and trained, from the run's config and summaries (every model study's overview)."""
    rows = []
    for spec in specs:
        s = view.summaries[spec.name]
        params = ", ".join(f"{k}={v}" for k, v in spec.params.items()) or "registry defaults"
        rows.append([spec.title, f"{spec.model} ({params})", s["parameters"], describe_training(spec.train),
                     s["images_per_s"], device_text(s)])
    return Table(["model", "registry model (params)", "parameters", "optimiser", "images/s", "device"], rows,
                 "How each model was built and trained", kinds=[None, None, None, None, "rate", None])

"""Generation quality as an analysis: FID, KID, precision/recall, IS and the class
histogram of every model that can generate (genlab.generation.evaluate), in the feature
space of genlab's own classifier of the run's dataset.

A model generates from its prior, or — an autoencoder — through a Gaussian mixture fitted
to its latent codes: what it says of itself (`Method.sampling`, capability `generate`).
The numbers live where `genlab evaluate` writes them (metrics.json "generation"), so a
later `genlab evaluate` of the run folder updates this section when the report is rebuilt.
The analysis also owns the per-epoch FID of the models its settings name (a callback of
the one trainer) and loads (or trains) the feature network before any model trains."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from genlab.analyses.base import Analysis, AnalysisContext, AnalysisSettings, ReportView, within
from genlab.analyses.generation_report import DEGENERATE_IS, GEN_METRICS, TITLE, quality_blocks, within_sampling_noise
from genlab.data import load as load_data
from genlab.generation.epoch_fid import EpochFID
from genlab.generation.evaluate import SECTION, EvaluateOptions, evaluate_run
from genlab.generation.features import FeatureNetConfig, load_or_train
from genlab.generation.scores import BEYOND_NOISE
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Conclusion, Section, Text, quantity

EVERY = "all"  # in epoch_fid: every model that generates


@dataclass
class GenerationSettings(AnalysisSettings):
    samples: int = 10000  # samples per model (and real floor images), at most the test set's size
    epoch_fid: list[str] = field(default_factory=list)  # models whose FID is measured after every epoch; [all]: every one
    epoch_fid_n: int = 2000  # samples per epoch's FID
    epoch_fid_steps: int = 10  # sampler steps per epoch's FID of a model that samples in steps (diffusion, flow)
    feature_net: FeatureNetConfig = field(default_factory=FeatureNetConfig)

    def __post_init__(self) -> None:
        within(self, "generation", {"samples": (10, 1_000_000, "samples per generator; KID and precision/recall use "
                                                              "neighbours"),
                                    "epoch_fid_n": (2, 1_000_000, "samples per epoch's FID; a covariance needs two"),
                                    "epoch_fid_steps": (1, 10_000, "sampler steps of an iterative model's per-epoch FID")})


class GenerationQuality(Analysis):
    key = "generation"
    title = TITLE
    needs = frozenset({"generate"})
    labels = True  # the feature network is a classifier of the data's classes
    Settings = GenerationSettings

    def requested(self, settings: GenerationSettings) -> list[str]:
        return [name for name in settings.epoch_fid if name != EVERY]  # each must be able to generate

    def prepare(self, ctx: AnalysisContext) -> None:
        # train (or load) the feature network first, so it never runs inside a timed training
        data = load_data(ctx.config.data)
        load_or_train(ctx.settings.feature_net, data, data.mirror, progress=ctx.progress)

    def callbacks(self, spec, ctx: AnalysisContext) -> list:
        names = ctx.settings.epoch_fid
        if spec.name not in names and EVERY not in names:
            return []
        # an autoencoder's FID through the mixture `genlab evaluate` fits on the run's training images
        return [EpochFID(load_data(ctx.config.data), n=ctx.settings.epoch_fid_n, feature_net=ctx.settings.feature_net,
                         progress=ctx.progress, train_images=ctx.splits.train.images,
                         steps=ctx.settings.epoch_fid_steps)]

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        n = min(ctx.settings.samples, len(ctx.splits.test), len(load_data(ctx.config.data).test_images))
        result = evaluate_run(ctx.run, EvaluateOptions(n=n, models=list(models), seed=ctx.config.seed,
                                                       feature_net=ctx.settings.feature_net, progress=ctx.progress))
        return {"stored_in": SECTION, "n": result["n"], "models": list(result["models"])}

    def section(self, view: ReportView) -> Section | None:
        if not view.results(self.key) and view.metrics.get(SECTION):
            return Section(self.title, self.blocks(view, {}))  # measured later by `genlab evaluate`
        return super().section(view)

    def blocks(self, view: ReportView, results: dict) -> list:
        result = view.metrics.get(SECTION)
        if not result:
            return [Text("The generation metrics of this run are missing from metrics.json; run "
                         f"`genlab evaluate {view.run.path}` to measure them.", note=True)]
        return [*quality_blocks(view.run, result), *judgements(view, result), Conclusion(conclusion(view, result))]


def judgements(view: ReportView, result: dict) -> list[Text]:
    """The source report's by-eye judgements (analysis.reported NAME.worse_by_eye_than: OTHER)
    set against the numbers: agreeing, disagreeing, or within noise."""
    out = []
    for name, rep in view.reported.items():
        other = rep.get("worse_by_eye_than")
        if not other or name not in result["models"] or other not in result["models"]:
            continue
        worse, better = result["models"][name], result["models"][other]
        if min(worse["is"], better["is"]) < DEGENERATE_IS:
            out.append(Text(f"The source report ({view.source}) judged {view.title(name)} worse than "
                            f"{view.title(other)} by eye; here at "
                            f"least one of them has an Inception Score below {DEGENERATE_IS:g} (samples not yet "
                            "recognisable), so this run cannot check that judgement.", note=True))
            continue
        fid_agrees = worse["fid"] > better["fid"]
        if within_sampling_noise(worse, better, "kid"):
            kid = "KID calls the difference within sampling noise"
        else:
            kid = f"KID {'agrees' if worse['kid'] > better['kid'] else 'disagrees'}"
        out.append(Text(f"The source report ({view.source}) judged {view.title(name)} worse than {view.title(other)} "
                        "by eye. FID "
                        f"{'agrees' if fid_agrees else 'disagrees'} ({worse['fid']:.3g} vs {better['fid']:.3g}); "
                        f"{kid} ({worse['kid'] * 1e3:.2f} vs {better['kid'] * 1e3:.2f} ×10⁻³)."))
    return out




def conclusion(view: ReportView, result: dict) -> str:
    """Best generator per metric (ties within sampling noise), degenerate samplers, why recall is ≈ 0."""
    models = {entry.get("title") or name: entry for name, entry in result["models"].items()}
    if not models:
        return "No model generated samples in this run."
    broken = [t for t, e in models.items() if e["is"] < DEGENERATE_IS]
    usable = {t: e for t, e in models.items() if t not in broken} or models
    out = []
    if broken:
        out.append(f"{', '.join(broken)}: Inception Score below {DEGENERATE_IS:g} (every sample looks like the same "
                   "class to the feature network): not recognisable images, so this setting is too small to conclude "
                   + ("anything about them; they are" if len(broken) > 1 else "anything about it; it is")
                   + " left out of the ranking below. Train longer before comparing.")
    for metric in GEN_METRICS:
        values = {t: e[metric.key] * metric.scale for t, e in usable.items()}
        out.append(best_sentence(metric.label, values, metric.kind, metric.lower, *_sampling_noise(usable, metric, values)))
    out.append(_recall_note(result, models))
    out.append(one_seed(view.config.study))
    return " ".join(s for s in out if s)


def _sampling_noise(entries: dict, metric, values: dict) -> tuple[float, str]:
    """(gap within which the leader ties on `metric`, its words): 1.96 standard errors of the
    difference between the first two, from their own sampling errors (a noisy model further
    down must not widen the leaders' tie); (0, "") where the run has no sampling errors."""
    first_two = sorted(values, key=values.get, reverse=not metric.lower)[:2]
    ses = [entries[t].get(f"{metric.key}_se") for t in first_two]
    if len(ses) < 2 or None in ses:
        return 0.0, ""
    return (BEYOND_NOISE * math.hypot(*ses) * metric.scale,
            "sampling noise (1.96 standard errors of the difference between the first two)")


def _recall_note(result: dict, models: dict) -> str:
    """Why recall is near 0 for every generator, said only when it is, and when the floor shows
    the metric itself can reach high values."""
    floor = result["floor"]["recall"]
    top = max(e["recall"] for e in models.values())
    if floor <= 0 or top >= floor / 10:
        return ""
    return (f"Recall is at most {quantity(top, 'score')} for every generator while the real-data floor reaches "
            f"{quantity(floor, 'score')} with the same k and sample size, so the metric works: a real image counts as "
            "covered when it lies within some sample's distance to its k-th nearest sample, and samples that are "
            "smoother and more alike than real images (blur, few modes) have neighbourhoods too small to hold real "
            "images. Recall ≈ 0 here says the samples lack the variety of real images; FID and precision rank quality.")

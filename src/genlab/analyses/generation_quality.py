"""Generation quality as an analysis: FID, KID, precision/recall, IS and the class
histogram of every model that can generate (genlab.generation.evaluate), in the feature
space of genlab's own Fashion-MNIST classifier.

A model generates if it samples from a prior, or — an autoencoder — through a Gaussian
mixture fitted to its latent codes (it must encode and decode): what
genlab.generation.samplers can turn into a sampler. The numbers live where `genlab evaluate`
writes them (metrics.json "generation"), so a later `genlab evaluate` of the run folder
updates this section when the report is rebuilt."""
from __future__ import annotations

from genlab.analyses.base import Analysis, AnalysisContext, ReportView
from genlab.report.conclude import best_sentence, one_seed
from genlab.generation.evaluate import SECTION, TEST_SIZE, EvaluateOptions, evaluate_run
from genlab.generation.sections import DEGENERATE_IS, GEN_METRICS, TITLE, kid_within_noise, quality_blocks
from genlab.report.page import Conclusion, Section, Text, quantity


class GenerationQuality(Analysis):
    key = "generation"
    title = TITLE
    needs = frozenset({"sample"})  # or encode + decode: see missing()

    def missing(self, capabilities: frozenset[str]) -> list[str]:
        if "sample" in capabilities or {"encode", "decode"} <= capabilities:
            return []
        return ["sample"]

    def enabled(self, settings) -> bool:
        return settings.generation_metrics

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        n = min(ctx.settings.generation_samples, len(ctx.splits.test), TEST_SIZE)
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
    for name, rep in view.settings.reported.items():
        other = rep.get("worse_by_eye_than")
        if not other or name not in result["models"] or other not in result["models"]:
            continue
        worse, better = result["models"][name], result["models"][other]
        if min(worse["is"], better["is"]) < DEGENERATE_IS:
            out.append(Text(f"Report 000 judged {view.title(name)} worse than {view.title(other)} by eye; here at "
                            f"least one of them has an Inception Score below {DEGENERATE_IS:g} (samples not yet "
                            "recognisable), so this run cannot check that judgement.", note=True))
            continue
        fid_agrees = worse["fid"] > better["fid"]
        if kid_within_noise(worse, better):
            kid = "KID calls the difference within noise (the gap is within twice the subset std)"
        else:
            kid = f"KID {'agrees' if worse['kid'] > better['kid'] else 'disagrees'}"
        out.append(Text(f"Report 000 judged {view.title(name)} worse than {view.title(other)} by eye. FID "
                        f"{'agrees' if fid_agrees else 'disagrees'} ({worse['fid']:.3g} vs {better['fid']:.3g}); "
                        f"{kid} ({worse['kid'] * 1e3:.2f} vs {better['kid'] * 1e3:.2f} ×10⁻³)."))
    return out




def conclusion(view: ReportView, result: dict) -> str:
    """Best generator per metric, KID's own noise, degenerate samplers, why recall is ≈ 0."""
    models = {entry.get("title") or name: entry for name, entry in result["models"].items()}
    if not models:
        return "No model generated samples in this run."
    broken = [t for t, e in models.items() if e["is"] < DEGENERATE_IS]
    usable = {t: e for t, e in models.items() if t not in broken} or models
    out = []
    if broken:
        out.append(f"{', '.join(broken)}: Inception Score below {DEGENERATE_IS:g} (every sample looks like the same "
                   "class to the feature network): not recognisable clothing, so this setting is too small to conclude "
                   + ("anything about them; they are" if len(broken) > 1 else "anything about it; it is")
                   + " left out of the ranking below. Train longer before comparing.")
    for metric in (m for m in GEN_METRICS if m.key != "kid"):  # KID below, with its own noise
        out.append(best_sentence(metric.label, {t: e[metric.key] for t, e in usable.items()}, metric.kind, metric.lower))
    kids = {t: e["kid"] for t, e in usable.items()}
    noise = 2 * max(e["kid_std"] for e in usable.values())
    out.append(best_sentence("KID (×10⁻³)", {t: 1e3 * v for t, v in kids.items()}, "ratio", True, 1e3 * noise,
                             "twice the largest subset std of KID (×10⁻³)"))
    out.append(_recall_note(result, models))
    out.append(one_seed(view.config.study))
    return " ".join(s for s in out if s)


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

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
from genlab.generation.evaluate import SECTION, TEST_SIZE, EvaluateOptions, evaluate_run
from genlab.generation.sections import TITLE, kid_within_noise, quality_blocks
from genlab.report.page import Section, Text


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
        return [*quality_blocks(view.run, result), *judgements(view, result)]


def judgements(view: ReportView, result: dict) -> list[Text]:
    """The source report's by-eye judgements (analysis.reported NAME.worse_by_eye_than: OTHER)
    set against the numbers: agreeing, disagreeing, or within noise."""
    out = []
    for name, rep in view.settings.reported.items():
        other = rep.get("worse_by_eye_than")
        if not other or name not in result["models"] or other not in result["models"]:
            continue
        worse, better = result["models"][name], result["models"][other]
        fid_agrees = worse["fid"] > better["fid"]
        if kid_within_noise(worse, better):
            kid = "KID calls the difference within noise (the gap is within twice the subset std)"
        else:
            kid = f"KID {'agrees' if worse['kid'] > better['kid'] else 'disagrees'}"
        out.append(Text(f"Report 000 judged {view.title(name)} worse than {view.title(other)} by eye. FID "
                        f"{'agrees' if fid_agrees else 'disagrees'} ({worse['fid']:.3g} vs {better['fid']:.3g}); "
                        f"{kid} ({worse['kid'] * 1e3:.2f} vs {better['kid'] * 1e3:.2f} ×10⁻³)."))
    return out

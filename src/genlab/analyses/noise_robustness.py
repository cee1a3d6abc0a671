"""Noise robustness: PSNR and SSIM of each model's reconstruction of x + factor·N(0, 1)
against the clean x, over the study's noise factors; and, computed from those numbers,
whether the models trained on noise ("denoise" capability) beat the ones that are not."""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab.analyses.base import Analysis, AnalysisContext, AnalysisSettings, ReportView, figure_block
from genlab.errors import GenlabError
from genlab.analyses.reconstruction_errors import denoisers
from genlab.representation import robustness
from genlab.figures import representations as cfigs
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Conclusion, Table, Text

ROBUSTNESS_FIGURE = "robustness"


def _factors(values: list[float]) -> str:
    return ", ".join(f"{f:g}" for f in values)


def compare(factors: list[float], denoiser: list, other: list) -> tuple[list[float], list[float]]:
    """Noise factors at which the denoiser's score is higher than the other model's, and the rest."""
    wins = [f for f, d, o in zip(factors, denoiser, other) if d is not None and o is not None and d > o]
    return wins, [f for f in factors if f not in wins]


def denoising_verdict(results: dict, view: ReportView) -> tuple[str, bool]:
    """One sentence per (denoiser, other model) pair from the PSNR curves; flagged when a
    denoiser loses at or above its own training noise."""
    factors, curves, titles = results["factors"], results["curves"], results["titles"]
    sentences, flag = [], False
    for name, trained_at in results["denoisers"].items():
        for other in results["others"]:
            wins, losses = compare(factors, curves[titles[name]]["psnr"], curves[titles[other]]["psnr"])
            head = f"{view.title(name)} (trained on noise factor {trained_at:g}) has a higher PSNR than {view.title(other)}"
            if not losses:
                sentences.append(f"{head} at every noise factor measured ({_factors(factors)}).")
            elif not wins:
                sentences.append(f"{view.title(name)} does NOT beat {view.title(other)} in PSNR at any noise factor "
                                 f"measured ({_factors(factors)}).")
            else:
                sentences.append(f"{head} at noise factors {_factors(wins)}, and NOT at {_factors(losses)}.")
            flag |= any(f >= trained_at for f in losses)
    return " ".join(sentences), flag


@dataclass
class RobustnessSettings(AnalysisSettings):
    factors: list[float] = field(default_factory=lambda: [round(0.1 * i, 1) for i in range(11)])
    images: int | None = None  # test images in the curves (None: all)

    def __post_init__(self) -> None:
        if not self.factors or not all(0 <= f <= 10 for f in self.factors):
            raise GenlabError(f"analysis.noise_robustness.factors must be a non-empty list of numbers from 0 to 10, "
                              f"got {self.factors}")
        if self.images is not None and self.images < 1:
            raise GenlabError(f"analysis.noise_robustness.images must be >= 1 or null (all test images), "
                              f"got {self.images}")


class NoiseRobustness(Analysis):
    key = "noise_robustness"
    title = "Noise robustness (PSNR / SSIM)"
    needs = frozenset({"reconstruct"})
    Settings = RobustnessSettings

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        x = ctx.splits.test.floats(ctx.settings.images)
        factors = list(ctx.settings.factors)
        titles = {n: ctx.title(n) for n in models}
        curves = robustness.noise_curves({titles[n]: m for n, m in models.items()}, x, factors, ctx.config.seed)
        trained = denoisers(models)
        cfigs.robustness_curves(ctx.run.figure(ROBUSTNESS_FIGURE), factors, curves, next(iter(trained.values()), None),
                                f"Reconstruction of the clean image from noisy inputs ({len(x):,} test images)")
        return {"factors": factors, "images": len(x), "curves": curves, "titles": titles, "denoisers": trained,
                "others": [n for n in models if n not in trained]}

    def blocks(self, view: ReportView, results: dict) -> list:
        factors, curves = results["factors"], results["curves"]
        blocks = [Text(f"Beyond the report: each model reconstructs x + factor·N(0, 1) for {len(factors)} noise factors "
                       f"({_factors(factors)}) on {results['images']:,} test images, scored against the clean image "
                       "(per-image PSNR with data range 1, torchmetrics, and SSIM with a σ 1.5 Gaussian window, "
                       "scikit-image; means over images). The noise is not clipped, as in a denoising model's training, "
                       "and one seeded draw is scaled to every factor and shared by all models. "
                       f"'{robustness.NOISY_INPUT}' scores the corrupted image itself (infinite PSNR at factor 0)."),
                  figure_block(ROBUSTNESS_FIGURE, "PSNR and SSIM of the reconstruction against the clean image")]
        for key, label in (("psnr", "PSNR (dB)"), ("ssim", "SSIM")):
            rows = [[name, *curve[key]] for name, curve in curves.items()]
            blocks.append(Table(["model", *[f"{f:g}" for f in factors]], rows, f"{label} by noise factor",
                                kinds=[None] + ["score" if key == "ssim" else "db"] * len(factors)))
        if not results["denoisers"]:
            blocks.append(Text("No model in this analysis is trained on noisy inputs, so there is no denoising "
                               "model to compare.", note=True))
        return blocks + [Conclusion(_conclusion(view, results))]


def _conclusion(view: ReportView, results: dict) -> str:
    """Best PSNR at no noise and at the most noise, then the denoiser verdicts."""
    factors, curves = results["factors"], results["curves"]
    models = {name: c for name, c in curves.items() if name != robustness.NOISY_INPUT}
    out = []
    for i in sorted({factors.index(min(factors)), factors.index(max(factors))}):
        values = {name: c["psnr"][i] for name, c in models.items() if c["psnr"][i] is not None}
        out.append(best_sentence(f"PSNR at noise factor {factors[i]:g}", values, "db", False))
    if results["denoisers"] and results["others"]:
        out.append(denoising_verdict(results, view)[0])
    return " ".join(out + [one_seed(view.config.study)])

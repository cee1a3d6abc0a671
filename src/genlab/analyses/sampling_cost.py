"""The cost of sampling as a measured quantity: for every model whose sampler takes a step
count (diffusion, flow matching), FID, precision and recall against the number of steps,
with the images per second at each; beside them, on the same axes, every one-step generator
(GANs, VAEs, an autoencoder through its mixture) at its single pass. Measured in the same
feature space, against the same test images, as the generation-quality analysis; the answer
it gives is where an iterative model first beats the best one-step model's FID."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from genlab.analyses.base import Analysis, AnalysisContext, AnalysisSettings, ReportView, figure_block, within
from genlab.data import load as load_data
from genlab.errors import GenlabError
from genlab.figures import sampling as sfigs
from genlab.generation import samplers
from genlab.generation.evaluate import run_feature_net, train_images
from genlab.generation.features import extract, floor_images, load_or_train, reference_features
from genlab.generation.scores import fid, precision_recall
from genlab.report.conclude import one_seed
from genlab.report.page import Conclusion, Table, Text

FIGURE = "sampling_cost"
SEED = 777  # the samples of this analysis: the same noise at every step count


@dataclass
class SamplingSettings(AnalysisSettings):
    steps: list[int] = field(default_factory=lambda: [5, 10, 25, 50, 100])  # sampler steps of the iterative models
    samples: int = 2000  # samples per point (FID at a small n is biased up; the floor at n is shown beside)

    def __post_init__(self) -> None:
        within(self, "sampling_cost", {"samples": (10, 1_000_000, "samples per point; precision/recall use neighbours")})
        if not self.steps or any(isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 10_000
                                 for s in self.steps):
            raise GenlabError(f"analysis.sampling_cost.steps must be a list of whole numbers from 1 to 10,000, "
                              f"e.g. [5, 10, 25, 50], got {self.steps}")
        self.steps = sorted(set(self.steps))


class SamplingCost(Analysis):
    key = "sampling_cost"
    title = "The cost of sampling: quality against sampler steps"
    needs = frozenset({"generate"})
    labels = True  # FID needs the feature network, a classifier of the data's classes
    Settings = SamplingSettings

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        data = load_data(ctx.config.data)
        fnet, _ = load_or_train(run_feature_net(ctx.config), data, data.mirror, progress=ctx.progress)
        reference = reference_features(fnet, data)[0]
        n = min(ctx.settings.samples, len(reference))
        floor = fid(reference, extract(fnet.net, floor_images(data)[:n])[0])  # real images the network never saw
        points = {name: self._points(ctx, method, fnet, reference, n) for name, method in models.items()}
        result = {"n": n, "floor_fid": floor, "points": points, "titles": {name: ctx.title(name) for name in models},
                  "conditional": [name for name, method in models.items() if "conditional" in method.capabilities()]}
        sfigs.cost_curves(ctx.run.figure(FIGURE), result)
        return result

    def _points(self, ctx: AnalysisContext, method, fnet, reference, n: int) -> list[dict]:
        """One point per step count (an iterative model) or one point (a one-step model)."""
        steps = ctx.settings.steps if "iterative" in method.capabilities() else [None]
        images = train_images(ctx.config) if method.sampling == "codes" else None
        sampler = samplers.sampler_for(method, samplers.SamplerOptions(), images, ctx.config.seed)
        return [measure(sampler, fnet, reference, n, k) for k in steps]

    def blocks(self, view: ReportView, results: dict) -> list:
        rows = []
        for name, points in results["points"].items():
            for p in points:
                rows.append([results["titles"][name], p["steps"] or "1 (one pass)", p["fid"], p["precision"],
                             p["recall"], p["images_per_s"], 1000 / p["images_per_s"]])
        text = (f"Each point draws {results['n']:,} samples from one seed and measures them as the generation-quality "
                f"section does (genlab's feature network, the same test images); FID at this sample size is biased "
                f"upward: real held-out training images measure {results['floor_fid']:.3g}. Sampling time is wall "
                "time on the machine under Environment (feature extraction not included).")
        return [Text(text), figure_block(FIGURE, "FID and images per second against sampler steps: lines are the "
                                                 "iterative models, dashed levels the one-step generators"),
                Table(["model", "steps", "FID ↓", "precision ↑", "recall ↑", "images/s", "s per 1,000 images"], rows,
                      "Quality and speed of sampling",
                      kinds=[None, None, "fid", "score", "score", "rate", "seconds"]),
                Conclusion(conclusion(view, results))]


@torch.no_grad()
def measure(sampler, fnet, reference: torch.Tensor, n: int, steps: int | None) -> dict:
    """FID, precision, recall and images/s of n samples drawn with `steps` steps (None: the sampler's own)."""
    kwargs = {} if steps is None else {"steps": steps}
    generator = torch.Generator().manual_seed(SEED)
    start = time.perf_counter()
    images = torch.cat([samplers.quantize_uint8(sampler.sample(min(500, n - s), generator=generator, **kwargs).cpu())
                        for s in range(0, n, 500)])  # uint8 n×C×H×W
    seconds = time.perf_counter() - start
    features = extract(fnet.net, images)[0]
    precision, recall = precision_recall(reference, features)
    return {"steps": steps, "fid": fid(reference, features), "precision": precision, "recall": recall,
            "images_per_s": n / max(seconds, 1e-9)}


def conclusion(view: ReportView, results: dict) -> str:
    """Where each iterative model first beats the best one-step generator's FID, and at what
    speed: a conditional model against the best conditional one, an unconditional one against
    the best unconditional one (a class given is information an unconditional model lacks)."""
    titles, points, cond = results["titles"], results["points"], set(results.get("conditional", ()))
    iterative = [n for n, p in points.items() if p and p[0]["steps"] is not None]
    if not iterative:
        return "No model here samples in steps; every one generates in one pass."
    out = []
    for name in iterative:
        curve = points[name]
        top = min(curve, key=lambda p: p["fid"])
        text = f"{titles[name]}: lowest FID {top['fid']:.3g} at {top['steps']} steps ({top['images_per_s']:,.0f} images/s)"
        kind, rival = _best_one_step(points, cond, name in cond)
        if rival is not None:
            best = points[rival][0]
            beat = next((p for p in curve if p["fid"] < best["fid"]), None)
            text += (f"; it first beats the best {kind}one-step generator, {titles[rival]} (FID {best['fid']:.3g}, "
                     f"{best['images_per_s']:,.0f} images/s), at {beat['steps']} steps" if beat else
                     f"; at no step count measured does it beat the best {kind}one-step generator, {titles[rival]} "
                     f"(FID {best['fid']:.3g})")
        out.append(text + ".")
    return " ".join(out + [one_seed(view.config.study)])


def _best_one_step(points: dict, cond: set, conditional: bool) -> tuple[str, str | None]:
    """(its words, the name) of the lowest-FID one-step generator of the same kind; any kind
    when the run has none of it (or is an older run that did not record which are conditional)."""
    single = [n for n, p in points.items() if p and p[0]["steps"] is None]
    same = [n for n in single if (n in cond) == conditional] if cond else []
    pool, kind = (same, "conditional " if conditional else "unconditional ") if same else (single, "")
    return kind, min(pool, key=lambda n: points[n][0]["fid"]) if pool else None

"""Models that sample from a prior: a grid of samples, the same noise batch decoded at
several epochs (kept by this analysis's SampleSnapshots callback), and the per-epoch FID of
the models that logged one (the generation analysis's EpochFID callback).

A study that also measures generation quality shows each model's 100 samples there, beside its
FID; it sets `grid: false` here so that no page shows a model's samples twice."""
from __future__ import annotations

from dataclasses import dataclass

from genlab.analyses.base import Analysis, AnalysisContext, AnalysisSettings, ReportView, figure_block, within
from genlab.engine.callbacks import SampleSnapshots, snapshot_epochs
from genlab.figures import latents as dfigs
from genlab.generation.epoch_fid import KEY as EPOCH_FID
from genlab.generation.samplers import PriorSampler
from genlab.report.page import Text

SAMPLES = "samples_{name}"
PROGRESS = "progress_{name}"


@dataclass
class SamplesSettings(AnalysisSettings):
    images: int = 100  # images per sample grid
    snapshots: int = 4  # epochs at which the same noise batch is decoded
    grid: bool = True  # draw the sample grid (false where the generation section already shows one)

    def __post_init__(self) -> None:
        within(self, "samples", {"images": (1, 400, "images per sample grid"),
                                 "snapshots": (1, 100, "epochs whose fixed-noise samples are kept")})


class Samples(Analysis):
    key = "samples"
    title = "Samples and training progress"
    needs = frozenset({"sample"})
    Settings = SamplesSettings

    def callbacks(self, spec, ctx: AnalysisContext) -> list:
        return [SampleSnapshots(snapshot_epochs(spec.train.epochs, ctx.settings.snapshots))]

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        out = {}
        for name, method in models.items():
            title, prior = ctx.title(name), PriorSampler(method).description
            n = ctx.settings.images if ctx.settings.grid else 0
            if n:
                dfigs.samples(ctx.run.figure(SAMPLES.format(name=name)), method, n, ctx.config.seed,
                              f"{title}: {n:,} samples — {prior}")
            snaps = sorted((ctx.run.model(name).path / "samples").glob("epoch_*.npz"))
            if snaps:
                dfigs.sample_progress(ctx.run.figure(PROGRESS.format(name=name)), snaps,
                                   f"{title}: the same noise batch over training")
            records = ctx.run.model(name).read_metrics()
            curve = [[r["epoch"], r["extra"][EPOCH_FID]] for r in records if EPOCH_FID in (r.get("extra") or {})]
            sizes = {int(r["extra"][f"{EPOCH_FID}_n"]) for r in records if f"{EPOCH_FID}_n" in (r.get("extra") or {})}
            out[name] = {"prior": prior, "n": n, "snapshot_epochs": [int(p.stem.split("_")[1]) for p in snaps],
                         "epoch_fid": curve, "epoch_fid_n": sorted(sizes)}
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        blocks: list = []
        for name, entry in results.items():
            title = view.title(name)
            if entry["n"]:
                blocks.append(figure_block(SAMPLES.format(name=name), f"{title}: {entry['n']:,} samples — "
                                                                      f"{entry['prior']}"))
            elif name in view.metrics.get("generation", {}).get("models", {}):
                blocks.append(Text(f"{title}'s samples — {entry['prior']} — are shown once, under generation "
                                   "quality, beside its FID."))
            if entry["snapshot_epochs"]:
                epochs = ", ".join(map(str, entry["snapshot_epochs"]))
                plural = "s" * (len(entry["snapshot_epochs"]) != 1)
                blocks.append(figure_block(PROGRESS.format(name=name),
                                           f"{title}: one fixed noise batch decoded after epoch{plural} {epochs}"))
            if entry["epoch_fid"]:
                blocks.append(Text(_fid_sentence(title, entry)))
        return blocks


def _fid_sentence(title: str, entry: dict) -> str:
    curve = entry["epoch_fid"]
    best_epoch, best = min(curve, key=lambda point: point[1])
    (first_epoch, first), (last_epoch, last) = curve[0], curve[-1]
    n = " / ".join(f"{size:,}" for size in entry["epoch_fid_n"])
    text = (f"{title}, FID per epoch on {n} samples from a fixed noise seed: {first:.3g} after epoch {first_epoch}, "
            f"lowest {best:.3g} after epoch {best_epoch}, {last:.3g} after the last epoch ({last_epoch}).")
    if best_epoch != last_epoch and last > best * 1.05:
        text += f" The last epoch is {last / best - 1:.0%} above the lowest: more epochs stopped helping."
    return text

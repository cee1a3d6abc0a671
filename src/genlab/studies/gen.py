"""The generation benchmark: every generative model genlab has — report 000's dense VAE and
GANs, a DCGAN, a WGAN-GP, report 004's conv VAE and a conv VAE for generation, AE-64
sampled through a Gaussian mixture — trained on the same data under one declared budget
(the study file's `train:`), ranked by FID, KID, precision, recall and IS beside the
real-data floor.

The study is parts shared with study 1: generation quality (genlab.generation), samples
from fixed noise with the per-epoch FID (here logged for every model, the autoencoder's
through its mixture), latent interpolation, VAE loss parts and loss curves. Every number
and setting a sentence names is read from the run's config and results.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab.analyses.base import ReportView
from genlab.analyses.dense_samples import DenseSamples
from genlab.analyses.dense_vae_parts import DenseVAEParts
from genlab.analyses.flop_floor import FlopFloor
from genlab.analyses.generation_quality import GenerationQuality
from genlab.analyses.latent_interpolation import LatentInterpolation
from genlab.analyses.loss_curves import LossCurves
from genlab.errors import GenlabError
from genlab.generation.evaluate import SECTION, TEST_SIZE
from genlab.generation.features import FeatureNetConfig
from genlab.generation.sections import DEGENERATE_IS, GEN_METRICS, GenMetric
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Conclusion, Section, Table, Text, quantity
from genlab.studies.dense import LIMITS as DENSE_LIMITS
from genlab.studies.dense import DenseStudy, objective
from genlab.studies.model_study import models_table

LIMITS = {**{key: DENSE_LIMITS[key] for key in ("snapshots", "prior_samples", "generation_samples", "epoch_fid_n")},
          "interpolation_pairs": (1, 20, "rows of an interpolation figure"),
          "interpolation_steps": (2, 30, "decoded points per interpolation row")}
FULL_TRAIN = 60_000  # Fashion-MNIST training images, before the validation hold-out


@dataclass
class GenSettings:
    """The study file's `analysis:` mapping."""

    generation_samples: int = 10000  # samples per model for the final metrics (the test set has 10,000)
    epoch_fid_n: int = 2000  # samples per epoch's FID, every model
    prior_samples: int = 100  # images per fixed-noise sample grid
    snapshots: int = 5  # epochs at which the fixed noise batch is decoded
    interpolation_pairs: int = 6
    interpolation_steps: int = 10
    feature_net: FeatureNetConfig = field(default_factory=FeatureNetConfig)

    def __post_init__(self) -> None:
        for key, (low, high, what) in LIMITS.items():
            value = getattr(self, key)
            if not low <= value <= high:
                raise GenlabError(f"analysis.{key} must be from {low:,} to {high:,} ({what}), got {value}")

    # what the shared analyses of study 1 read, fixed in this study (not study-file keys)
    @property
    def generation_metrics(self) -> bool:
        return True  # measuring generation is the study

    @property
    def reported(self) -> dict:
        return {}  # no source report to stand beside

    @property
    def epoch_fid_models(self) -> list[str]:
        return []  # none named: every model gets the per-epoch FID (GenStudy.callbacks)


def gen_objective(spec) -> str:
    """What a model minimises; a WGAN-GP's two players with its penalty and critic steps."""
    import torch

    from genlab import registry
    from genlab.methods.wgan_gp import WGANGP

    with torch.device("meta"):
        method = registry.build(spec.model, spec.params)
    if not isinstance(method, WGANGP):
        return objective(spec)
    steps = spec.train.steps.get("critic", 1)
    return (f"critic: E[D(G(z))] − E[D(x)] + {method.gp_weight:g}·(‖∇D(x̂)‖ − 1)² at points x̂ between real and "
            f"generated images, {steps} critic step{'s' * (steps != 1)} per generator step; generator: −E[D(G(z))]")


class GenStudy(DenseStudy):
    kind = "gen"
    title = "Generation benchmark — genlab's generative models on Fashion-MNIST"
    Settings = GenSettings
    analyses = (GenerationQuality(), DenseSamples(), LatentInterpolation(), DenseVAEParts(), LossCurves(), FlopFloor())

    def callbacks(self, spec, settings: GenSettings, ctx) -> list:
        from genlab.engine.callbacks import SampleSnapshots, snapshot_epochs
        from genlab.generation.epoch_fid import EpochFID
        from genlab.generation.evaluate import train_images

        # every model's FID per epoch; an autoencoder's through the mixture `genlab evaluate` fits
        return [SampleSnapshots(snapshot_epochs(spec.train.epochs, settings.snapshots)),
                EpochFID(n=settings.epoch_fid_n, feature_net=settings.feature_net, progress=ctx.runtime.progress,
                         train_images=train_images(ctx.config))]

    def overview(self, view: ReportView) -> list[Section]:
        if not view.summaries:
            return [Section("Generation benchmark", [Text("This run holds no trained models yet (it did not finish); "
                                                          "rerun with --resume to complete it.", note=True)])]
        specs = [s for s in view.config.models if s.name in view.summaries]
        blocks = [Text(_budget_text(view, specs))]
        result = view.metrics.get(SECTION)
        if result and result.get("models"):
            blocks += [_ranking_table(view, result), _ranking_conclusion(view, result, specs)]
        else:
            blocks.append(Text("The generation metrics of this run are missing from metrics.json; run "
                               f"`genlab evaluate {view.run.path}` to rank the models.", note=True))
        blocks.append(models_table(view, specs))
        return [Section("Ranking: every generative model under one budget", blocks)]


def _budget_text(view: ReportView, specs: list) -> str:
    data = view.metrics.get("data", {})
    budgets = {(s.train.epochs, s.train.batch_size) for s in specs}
    if len(budgets) == 1:
        epochs, batch = next(iter(budgets))
        budget = f"Every model trains {epochs} epochs at batch size {batch}"
    else:
        budget = "Each model trains " + "; ".join(f"{s.title} {s.train.epochs} epochs at batch size "
                                                 f"{s.train.batch_size}" for s in specs)
    total = sum(view.summaries[s.name]["train_time_s"] for s in specs)
    return (f"{budget}, on the same {data.get('n_train', 0):,} Fashion-MNIST training images ({data.get('n_val', 0):,} "
            f"held out for validation, seeded with {view.config.seed}). Training took {total:,.0f} s in all (steps only, "
            "on the machine under Environment; each model's time is in the table). Models that need several optimiser "
            "steps per batch (a WGAN-GP's critic) spend more time on the same epochs: the budget is data seen, and "
            "the time column says what it cost.\n\nLosses: "
            + "; ".join(f"{s.title} = {gen_objective(s)}" for s in specs) + ".")


def _ranks(models: dict) -> dict[str, dict[str, int]]:
    """metric → model → rank (1 = best) for every generation metric."""
    out = {}
    for m in GEN_METRICS:
        order = sorted(models, key=lambda n: models[n][m.key] if m.lower else -models[n][m.key])
        out[m.key] = {name: i + 1 for i, name in enumerate(order)}
    return out


def _cell(entry: dict, metric: GenMetric, rank: int | None) -> str:
    value = quantity(entry[metric.key] * metric.scale, metric.kind)
    return value if rank is None else f"{value} ({rank})"


def _ranking_table(view: ReportView, result: dict) -> Table:
    models, ranks = result["models"], _ranks(result["models"])
    floor = result["floor"]
    rows = [["—", "real-data floor", *[_cell(floor, m, None) for m in GEN_METRICS],
             floor["classes_missing"], None, None]]
    for name in sorted(models, key=lambda n: ranks["fid"][n]):
        entry, summary = models[name], view.summaries.get(name, {})
        rows.append([ranks["fid"][name], entry.get("title") or view.title(name),
                     *[_cell(entry, m, ranks[m.key][name]) for m in GEN_METRICS],
                     entry["classes_missing"], summary.get("epochs"), summary.get("train_time_s")])
    share = result["options"]["missing_share"]
    return Table(["rank by FID", "model", *[m.header + " (rank)" for m in GEN_METRICS], f"classes < {share:.0%}",
                  "epochs", "train time (s)"], rows,
                 f"Every model ranked by FID; in brackets its rank on each other metric ({result['n']:,} samples each "
                 "against the Fashion-MNIST test set, genlab's feature network)",
                 kinds=[None] * (len(GEN_METRICS) + 4) + ["seconds"])


def _ranking_conclusion(view: ReportView, result: dict, specs: list) -> Conclusion:
    """Best by FID among the models whose samples are recognisable, the best GAN against the
    best model trained without an adversary, and whether this setting can support either."""
    titled = {entry.get("title") or view.title(name): entry for name, entry in result["models"].items()}
    usable = {t: e for t, e in titled.items() if e["is"] >= DEGENERATE_IS}
    out = [_too_small(view, result, specs, sorted(set(titled) - set(usable)))]
    if usable:
        out.append(best_sentence("FID", {t: e["fid"] for t, e in usable.items()}, "fid", True))
    gans = {t: e for t, e in usable.items() if e.get("prior")}
    rest = {t: e for t, e in usable.items() if not e.get("prior")}
    if gans and rest:
        (g_title, g), (r_title, r) = (min(group.items(), key=lambda item: item[1]["fid"]) for group in (gans, rest))
        verdict = "lower (better) than" if g["fid"] < r["fid"] else "not lower than"
        out.append(f"The best GAN by FID, {g_title}, reaches FID {quantity(g['fid'], 'fid')} with precision "
                   f"{quantity(g['precision'], 'score')} and recall {quantity(g['recall'], 'score')}: an FID {verdict} "
                   f"that of the best model trained without an adversary, {r_title} (FID {quantity(r['fid'], 'fid')}, precision "
                   f"{quantity(r['precision'], 'score')}, recall {quantity(r['recall'], 'score')}).")
    out.append(one_seed(view.config.study))
    return Conclusion(" ".join(s for s in out if s))


def _too_small(view: ReportView, result: dict, specs: list, degenerate: list[str]) -> str:
    """Why this run cannot rank generators: a training subset, fewer samples than the test
    set, or models whose samples are not recognisable (left out of the ranking)."""
    data, reasons = view.config.data, []
    if data.train_subset is not None:
        full = FULL_TRAIN - data.val_size
        reasons.append(f"each model saw {view.metrics.get('data', {}).get('n_train', 0):,} of the {full:,} training "
                       f"images for at most {max(s.train.epochs for s in specs)} epochs")
    if result["n"] < TEST_SIZE:
        reasons.append(f"the metrics use {result['n']:,} samples per model, not {TEST_SIZE:,}, so FID is biased "
                       f"upward (the real-data floor itself measures {quantity(result['floor']['fid'], 'fid')})")
    if degenerate:
        reasons.append(f"{', '.join(degenerate)} reach an Inception Score below {DEGENERATE_IS:g} (samples not yet "
                       "recognisable clothing) and are left out of what follows")
    if not reasons:
        return ""
    return ("This setting is too small to conclude which model generates best: " + "; ".join(reasons)
            + ". The ranking describes this run only; run the study at its full settings for a conclusion.")


STUDY = GenStudy()

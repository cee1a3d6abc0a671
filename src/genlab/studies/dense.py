"""Study 1 (report 000): dense autoencoders, a VAE and GANs on Fashion-MNIST, with the
report's numbers shown beside ours.

The study is parts: the models of the study file, and analyses that each run on the
models with the capabilities they need (reconstructions, 2-d latent spaces, VAE loss
parts, samples, loss curves, generation quality). Every setting a report sentence names
is read from the run's config, settings and results.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab.analyses.base import ReportView
from genlab.analyses.dense_latent2d import DenseLatent2D
from genlab.analyses.dense_reconstructions import DenseReconstructions
from genlab.analyses.dense_samples import DenseSamples
from genlab.analyses.dense_vae_parts import DenseVAEParts, reconstruction_form
from genlab.analyses.flop_floor import FlopFloor
from genlab.analyses.generation_quality import GenerationQuality
from genlab.analyses.linear_floor import LinearFloor
from genlab.analyses.loss_curves import LossCurves, main_loss
from genlab.config import StudyConfig
from genlab.errors import GenlabError
from genlab.generation.evaluate import TEST_SIZE
from genlab.generation.features import FeatureNetConfig
from genlab.report.page import Section, Table, Text
from genlab.studies.model_study import ModelStudy, models_table

REPORTED_KEYS = ("time_s", "loss", "reconstruction", "kl", "worse_by_eye_than")
# smallest and largest accepted value of each numeric setting, and what it counts
LIMITS = {
    "reconstruction_images": (1, 100, "images per reconstruction figure"),
    "scatter_points": (1, TEST_SIZE, "test images in a latent scatter"),
    "latent_grid_size": (2, 50, "points per side of the decoded latent grid"),
    "snapshots": (1, 100, "epochs whose fixed-noise samples are kept"),
    "prior_samples": (1, 400, "images per prior-sample grid"),
    "generation_samples": (10, TEST_SIZE, "samples per generator; KID and precision/recall use neighbours"),
    "epoch_fid_n": (2, TEST_SIZE, "samples per epoch's FID; a covariance needs two"),
}


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise GenlabError(message)


@dataclass
class DenseSettings:
    """The study file's `analysis:` mapping."""

    reported: dict[str, dict] = field(default_factory=dict)  # report 000's numbers, by model name
    reported_note: str = ""  # how report 000 measured them (shown under the overview)
    reconstruction_images: int = 10
    latent_grid_size: int = 15
    scatter_points: int = 10000
    snapshots: int = 4  # epochs at which samples from fixed noise are kept
    prior_samples: int = 100
    generation_metrics: bool = True  # FID / KID / precision-recall / IS at the end of the study
    generation_samples: int = 10000  # samples per generator (the test set has 10,000)
    epoch_fid_models: list[str] = field(default_factory=list)  # per-epoch FID curve for these models
    epoch_fid_n: int = 2000
    feature_net: FeatureNetConfig = field(default_factory=FeatureNetConfig)

    def __post_init__(self) -> None:
        for key, (low, high, what) in LIMITS.items():
            value = getattr(self, key)
            _require(low <= value <= high, f"analysis.{key} must be from {low:,} to {high:,} ({what}), got {value}")
        for name, numbers in self.reported.items():
            _require(isinstance(numbers, dict), f"analysis.reported.{name} must be a mapping of report 000's numbers, "
                                                f"e.g. {{time_s: 82.9, loss: 0.044}}")
            unknown = [k for k in numbers if k not in REPORTED_KEYS]
            _require(not unknown, f"analysis.reported.{name}.{unknown[0] if unknown else ''} is not a known reported "
                                  f"number; known: {', '.join(REPORTED_KEYS)}")


def objective(spec) -> str:
    """What a model minimises, read from the model its config builds (class and params)."""
    import torch

    from genlab import registry
    from genlab.methods.autoencoders import Autoencoder, DenoisingAutoencoder, VariationalAutoencoder
    from genlab.methods.gan import GAN

    with torch.device("meta"):  # no memory, no time: only the class and attributes are read
        method = registry.build(spec.model, spec.params)
    if isinstance(method, VariationalAutoencoder):
        beta = "" if method.beta == 1 else f"{method.beta:g}·"
        return f"per-image {reconstruction_form(method)} summed over pixels + {beta}KL (nats)"
    if isinstance(method, DenoisingAutoencoder):
        return f"mean squared error per pixel against the clean image, input noised by {method.noise_factor:g}·N(0, 1)"
    if isinstance(method, Autoencoder):
        return "mean squared error per pixel"
    if isinstance(method, GAN) and type(method).loss is GAN.loss:  # GAN.loss is the non-saturating form
        return "the generator's non-saturating loss, −log D(G(z))"
    return f"its own objective ({', '.join(method.loss_name(o) for o in method.optimizers)})"


class DenseStudy(ModelStudy):
    kind = "dense"
    title = "Study 1 — dense autoencoders, VAE and GAN on Fashion-MNIST"
    Settings = DenseSettings
    analyses = (DenseReconstructions(), LinearFloor(), DenseLatent2D(), DenseVAEParts(), DenseSamples(), LossCurves(),
                GenerationQuality(), FlopFloor())

    def check(self, config: StudyConfig, settings: DenseSettings) -> None:
        from genlab.data import fashion_mnist

        names = [spec.name for spec in config.models]
        for name, numbers in settings.reported.items():
            _require(name in names, f"analysis.reported names {name!r}, which is not a model of this study "
                                    f"(models: {', '.join(names)})")
            other = numbers.get("worse_by_eye_than")
            _require(other is None or other in names, f"analysis.reported.{name}.worse_by_eye_than names {other!r}, "
                                                      f"which is not a model of this study")
        fashion_mnist.load(config.data.data_dir)  # verified before the run folder exists

    def before_training(self, ctx, settings: DenseSettings) -> None:
        if settings.generation_metrics:
            from genlab.generation.features import load_or_train

            # train (or load) the feature network first, so it never runs inside a timed training
            load_or_train(settings.feature_net, progress=ctx.runtime.progress)

    def callbacks(self, spec, settings: DenseSettings, ctx) -> list:
        from genlab.engine.callbacks import SampleSnapshots, snapshot_epochs
        from genlab.generation.epoch_fid import EpochFID

        callbacks = [SampleSnapshots(snapshot_epochs(spec.train.epochs, settings.snapshots))]
        if settings.generation_metrics and spec.name in settings.epoch_fid_models:
            callbacks.append(EpochFID(n=settings.epoch_fid_n, feature_net=settings.feature_net,
                                      progress=ctx.runtime.progress))
        return callbacks

    def overview(self, view: ReportView) -> list[Section]:
        if not view.summaries:
            return [Section("Study 1", [Text("This run holds no trained models yet (it did not finish); "
                                             "rerun with --resume to complete it.", note=True)])]
        specs = [s for s in view.config.models if s.name in view.summaries]
        return [Section("Overview: ours beside report 000", [Text(_overview_text(view, specs)),
                                                              _results_table(view, specs), models_table(view, specs)])]


def _overview_text(view: ReportView, specs: list) -> str:
    data = view.metrics.get("data", {})
    text = (f"Trained on {data.get('n_train', 0):,} Fashion-MNIST training images ({data.get('n_val', 0):,} held out "
            f"for validation, seeded with {view.config.seed}), tested on {data.get('n_test', 0):,} test images. Times "
            "are training time only (steps, not validation), measured on the machine under Environment.")
    if view.settings.reported_note:
        text += f" {view.settings.reported_note}"
    text += "\n\nLosses: " + "; ".join(f"{s.title} = {objective(s)}" for s in specs) + "."
    return text


def _results_table(view: ReportView, specs: list) -> Table:
    rows = []
    for spec in specs:
        s, rep = view.summaries[spec.name], view.settings.reported.get(spec.name, {})
        f, key = s["final"], _objective_loss(s["final"])
        rows.append([spec.title, s["epochs"], s["batch_size"], s["train_time_s"], rep.get("time_s"), key,
                     f["train"].get(key), f["val"].get(key), f["test"].get(key), rep.get("loss")])
    return Table(["model", "epochs", "batch", "train time (s)", "report 000 time (s)", "loss", "train", "val", "test",
                  "report 000 loss"], rows, "Every model: ours beside report 000 (losses of the last epoch)",
                 kinds=[None, None, None, "seconds", "seconds", None, "loss", "loss", "loss", "loss"])


def _objective_loss(final: dict) -> str:
    """The loss the overview's objective describes: a single-optimiser model's "loss", else
    the total of its last-stepped optimiser (a GAN's generator)."""
    totals = [k for k in final["train"] if k == "loss" or k.endswith("_loss")]
    return "loss" if "loss" in totals else (totals[-1] if totals else main_loss(final))


STUDY = DenseStudy()

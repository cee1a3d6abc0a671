"""Study 2 (report 004, part I): convolutional AE, VAE and DAE on Fashion-MNIST; their
layer stages, reconstructions, error distributions and latent spaces; noise robustness
(PSNR / SSIM); and classifiers on their frozen encoders beside linear / k-NN probes and
a raw-pixel baseline. The report's tables 4 and 5 are shown beside ours.

The study is parts: the models of the study file, and analyses that each run on the
models with the capabilities they need. Every setting the report names is read from the
run's config, settings and results.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab.analyses.architecture import Architecture
from genlab.analyses.base import ReportView
from genlab.analyses.flop_floor import FlopFloor
from genlab.analyses.frozen_classifiers import RAW, FrozenClassifiers
from genlab.analyses.linear_floor import LinearFloor
from genlab.analyses.loss_curves import LossCurves, main_loss
from genlab.analyses.noise_robustness import NoiseRobustness
from genlab.analyses.reconstructions import Reconstructions
from genlab.analyses.tsne import TSNEMap
from genlab.config import StudyConfig
from genlab.errors import GenlabError
from genlab.representation.classify import HeadConfig, describe_optimizer
from genlab.report.page import Section, Table, Text
from genlab.studies.conv_summary import summary_section
from genlab.studies.model_study import ModelStudy, device_text

LOSS_FORMS = {"mse": "squared error", "bce": "binary cross-entropy"}  # a VAE's `reconstruction` param


def _check_setting(ok: bool, message: str) -> None:
    if not ok:
        raise GenlabError(message)


@dataclass
class ConvSettings:
    """The study file's `analysis:` mapping."""

    reported: dict[str, dict] = field(default_factory=dict)  # report 004's tables 4 and 5, by model name
    reconstruction_images: int = 10
    display_noise: float | None = None  # noise of the noisy-input figures; default: a denoiser's training noise
    noise_factors: list[float] = field(default_factory=lambda: [round(0.1 * i, 1) for i in range(11)])
    robustness_images: int | None = None  # test images in the robustness curves (None: all)
    tsne_points: int = 2000  # seeded subset of the test set (t-SNE is O(n²) in memory)
    tsne_perplexity: float = 30.0
    probe_train_size: int | None = 20000  # training images for the linear / k-NN probes (None: all)
    knn_k: int = 5
    probe_max_iter: int = 300
    head: HeadConfig = field(default_factory=HeadConfig)

    def __post_init__(self) -> None:
        _check_setting(1 <= self.reconstruction_images <= 100, "analysis.reconstruction_images must be from 1 to 100 "
                 f"(test images per reconstruction figure), got {self.reconstruction_images}")
        _check_setting(self.display_noise is None or 0 <= self.display_noise <= 10,
                 f"analysis.display_noise must be from 0 to 10 or null (a denoiser's noise), got {self.display_noise}")
        _check_setting(bool(self.noise_factors) and all(0 <= f <= 10 for f in self.noise_factors),
                 f"analysis.noise_factors must be a non-empty list of numbers from 0 to 10, got {self.noise_factors}")
        _check_setting(self.robustness_images is None or self.robustness_images >= 1,
                 f"analysis.robustness_images must be >= 1 or null (all test images), got {self.robustness_images}")
        _check_setting(self.tsne_points >= 10, f"analysis.tsne_points must be >= 10 (t-SNE of fewer points says nothing), "
                                         f"got {self.tsne_points}")
        _check_setting(self.tsne_perplexity > 0, f"analysis.tsne_perplexity must be > 0, got {self.tsne_perplexity}")
        _check_setting(self.knn_k >= 1, f"analysis.knn_k must be >= 1, got {self.knn_k}")
        _check_setting(self.probe_train_size is None or self.probe_train_size >= max(10, self.knn_k),
                 f"analysis.probe_train_size must be >= 10 and >= analysis.knn_k ({self.knn_k}), or null (all "
                 f"training images), got {self.probe_train_size}")
        _check_setting(self.probe_max_iter >= 1, f"analysis.probe_max_iter must be >= 1, got {self.probe_max_iter}")
        bad = [k for k, v in self.reported.items() if not isinstance(v, dict)]
        _check_setting(not bad, f"analysis.reported.{bad[0] if bad else ''} must be a mapping of reported numbers")


def training_objective(spec, summary: dict) -> str:
    """What a model minimises, read from the model its config builds (its class and params)."""
    import torch

    from genlab import registry
    from genlab.methods.autoencoders import Autoencoder, DenoisingAutoencoder, VariationalAutoencoder

    with torch.device("meta"):  # no memory, no time: only the class and attributes are read
        method = registry.build(spec.model, spec.params)
    if isinstance(method, VariationalAutoencoder):
        form = LOSS_FORMS.get(method.reconstruction, method.reconstruction)
        return (f"per-image {form} summed over the pixels + {method.beta:g}·KL(q(z|x) ‖ N(0, I)) in nats, "
                f"latent {method.latent_dim}-d, averaged over images")
    if isinstance(method, DenoisingAutoencoder):
        return (f"mean squared error per pixel against the clean image, from a freshly noised input "
                f"x + {method.noise_factor:g}·N(0, 1) (not clipped to [0, 1], the report's formula), on validation too")
    if isinstance(method, Autoencoder):
        return "mean squared error per pixel"
    parts = ", ".join(summary.get("final", {}).get("train", {})) or "its own losses"
    return f"its own objective ({parts})"


class ConvStudy(ModelStudy):
    kind = "conv"
    title = "Study 2 — convolutional AE, VAE, DAE and frozen-encoder classifiers on Fashion-MNIST"
    Settings = ConvSettings
    analyses = (LossCurves(), Architecture(), Reconstructions(), LinearFloor(), TSNEMap(), NoiseRobustness(),
                FrozenClassifiers(), FlopFloor())

    def check(self, config: StudyConfig, settings: ConvSettings) -> None:
        from genlab.data import fashion_mnist

        if any(spec.name == RAW for spec in config.models):
            raise GenlabError(f"model name {RAW!r} is taken by the raw-pixel baseline of the classifiers; rename that model")
        fashion_mnist.load(config.data.data_dir)  # verified before the run folder exists

    def overview(self, view: ReportView) -> list[Section]:
        if not view.summaries:
            return [Section("Study 2", [Text("This run holds no trained models yet (it did not finish); "
                                             "rerun with --resume to complete it.", note=True)])]
        summary = summary_section(view)
        return [self._training(view), *([summary] if summary else []), self._timing(view)]

    @staticmethod
    def _training(view: ReportView) -> Section:
        data, reported = view.metrics.get("data", {}), view.settings.reported
        specs = [s for s in view.config.models if s.name in view.summaries]
        text = (f"Trained on {data.get('n_train', 0):,} Fashion-MNIST training images ({data.get('n_val', 0):,} held out "
                f"for validation, seeded), evaluated on {data.get('n_test', 0):,} test images.")
        optimisers: dict[str, list[str]] = {}
        for spec in specs:
            optimisers.setdefault(describe_optimizer(spec.train), []).append(spec.title)
        text += " Optimiser: " + "; ".join(f"{o} ({', '.join(t)})" for o, t in optimisers.items()) + "."
        text += "\n\nLosses: " + "; ".join(f"{s.title} = {training_objective(s, view.summaries[s.name])}" for s in specs) + "."
        notes = [_scale_note(s, reported.get(s.name, {})) for s in specs]
        text += "".join(f"\n\n{n}" for n in notes if n)
        rows = []
        for spec in specs:
            s, rep = view.summaries[spec.name], reported.get(spec.name, {})
            f, key = s["final"], main_loss(s["final"])
            rows.append([spec.title, key, s["epochs"], s["batch_size"], s["parameters"], f["train"].get(key),
                         rep.get("train_loss"), f["val"].get(key), rep.get("val_loss"), f["test"].get(key),
                         s["wall_time_s"]])
        table = Table(["model", "loss", "epochs", "batch", "parameters", "train loss", "report train", "val loss",
                       "report val", "test loss", "wall time (s)"], rows, "Table 4 of report 004 beside ours (last epoch)",
                      kinds=[None] * 5 + ["loss"] * 5 + ["seconds"])
        return Section("Overview: training, ours beside report 004", [Text(text), table])

    def _timing(self, view: ReportView) -> Section:
        rows = [[view.title(n), s["train_time_s"], s["wall_time_s"], s["images_per_s"], device_text(s)]
                for n, s in view.summaries.items()]
        titles = {a.key: a.title for a in self.analyses}
        steps = [[titles.get(key, key), entry.get("seconds")] for key, entry in view.metrics.get("analyses", {}).items()]
        return Section("Wall time", [
            Table(["model", "train time (s)", "wall time incl. validation (s)", "images/s", "device"], rows,
                  "Training of each model (machine under Environment)", kinds=[None, "seconds", "seconds", "rate", None]),
            Table(["analysis", "seconds"], steps, "Analyses after training (classifiers include features and probes)",
                  kinds=[None, "seconds"]),
        ])


def _scale_note(spec, reported: dict) -> str:
    """For a model whose loss is a per-image sum (a VAE's `reconstruction` param): its scale
    differs from per-pixel means, and what the report's own numbers suggest."""
    if "reconstruction" not in _params(spec) or "train_loss" not in reported:
        return ""
    train, val = reported["train_loss"], reported.get("val_loss")
    note = (f"{spec.title}'s loss is a sum over pixels per image, so it is on a different scale from per-pixel means; "
            f"the report's {train:g}" + (f" / {val:g}" if val is not None else "") +
            " for it does not state its normalisation.")
    if val is not None and train > 0 and val / train < 0.5:
        note += (f" Its validation loss being {val / train:.2f} of its training loss suggests a different averaging "
                 "for the two.")
    return note


def _params(spec) -> dict:
    """The model's params with the registry builder's defaults filled in."""
    import inspect

    from genlab import registry

    builder = registry.MODELS.get(spec.model)
    defaults = {k: p.default for k, p in inspect.signature(builder).parameters.items()} if builder else {}
    return {**defaults, **spec.params}


STUDY = ConvStudy()

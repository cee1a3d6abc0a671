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
from genlab.analyses.frozen_classifiers import FrozenClassifiers
from genlab.analyses.linear_floor import LinearFloor
from genlab.analyses.loss_curves import LossCurves, main_loss
from genlab.analyses.noise_robustness import NoiseRobustness
from genlab.analyses.reconstruction_errors import ReconstructionErrors
from genlab.analyses.tsne import TSNEMap
from genlab.errors import GenlabError
from genlab.representation.classify import describe_optimizer
from genlab.report.page import Section, Table, Text
from genlab.report.sources import BASTOS_2024
from genlab.studies.conv_summary import summary_section
from genlab.studies.model_study import ModelStudy
from genlab.studies.overview_tables import data_sentence, device_text, losses_sentence


@dataclass
class ConvSettings:
    """The study's own keys under `analysis:` (each analysis has its own mapping beside them)."""

    reported: dict[str, dict] = field(default_factory=dict)  # tables 4 and 5 of Bastos & Cordeiro (2024), by model name

    def __post_init__(self) -> None:
        bad = [k for k, v in self.reported.items() if not isinstance(v, dict)]
        if bad:
            raise GenlabError(f"analysis.reported.{bad[0]} must be a mapping of reported numbers")


class ConvStudy(ModelStudy):
    kind = "conv"
    title = "Study 2 — convolutional AE, VAE, DAE and frozen-encoder classifiers"
    source = BASTOS_2024.short
    Settings = ConvSettings
    analyses = (LossCurves(), Architecture(), ReconstructionErrors(), LinearFloor(), TSNEMap(), NoiseRobustness(),
                FrozenClassifiers(), FlopFloor())
    headlines = (("summary:final.test.loss", "test loss"),
                 ("frozen_classifiers:head.test_metrics.accuracy", "frozen-encoder accuracy"))

    def overview(self, view: ReportView) -> list[Section]:
        summary = summary_section(view)
        return [self._training(view), *([summary] if summary else []), self._timing(view)]

    @staticmethod
    def _training(view: ReportView) -> Section:
        reported = view.reported
        specs = [s for s in view.config.models if s.name in view.summaries]
        text = data_sentence(view)
        optimisers: dict[str, list[str]] = {}
        for spec in specs:
            optimisers.setdefault(describe_optimizer(spec.train), []).append(spec.title)
        text += " Optimiser: " + "; ".join(f"{o} ({', '.join(t)})" for o, t in optimisers.items()) + "."
        text += "\n\n" + losses_sentence(view, specs)
        notes = [_scale_note(view, s, reported.get(s.name, {})) for s in specs]
        text += "".join(f"\n\n{n}" for n in notes if n)
        rows = []
        for spec in specs:
            s, rep = view.summaries[spec.name], reported.get(spec.name, {})
            f, key = s["final"], main_loss(s["final"])
            rows.append([spec.title, key, s["epochs"], s["batch_size"], s["parameters"], f["train"].get(key),
                         rep.get("train_loss"), f["val"].get(key), rep.get("val_loss"), f["test"].get(key),
                         s["wall_time_s"]])
        table = Table(["model", "loss", "epochs", "batch", "parameters", "train loss", "report train", "val loss",
                       "report val", "test loss", "wall time (s)"], rows, f"Table 4 of {view.source} beside ours (last epoch)",
                      kinds=[None] * 5 + ["loss"] * 5 + ["seconds"])
        return Section(f"Overview: training, ours beside {view.source}", [Text(text), table])

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


def _scale_note(view: ReportView, spec, reported: dict) -> str:
    """For a model whose loss is a per-image sum (a VAE's): its scale differs from per-pixel
    means, and what the report's own numbers suggest."""
    if "variational" not in view.methods[spec.name].capabilities() or "train_loss" not in reported:
        return ""
    train, val = reported["train_loss"], reported.get("val_loss")
    note = (f"{spec.title}'s loss is a sum over pixels per image, so it is on a different scale from per-pixel means; "
            f"the report's {train:g}" + (f" / {val:g}" if val is not None else "") +
            " for it does not state its normalisation.")
    if val is not None and train > 0 and val / train < 0.5:
        note += (f" Its validation loss being {val / train:.2f} of its training loss suggests a different averaging "
                 "for the two.")
    return note


STUDY = ConvStudy()

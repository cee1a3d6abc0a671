"""Study 1 (report 000): dense autoencoders, a VAE and GANs, with the report's numbers shown
beside ours.

The study is parts: the data and the models of the study file, and analyses that each run
on the models with the capabilities they need (reconstructions, 2-d latent spaces, the
linear floor, VAE loss parts, samples, loss curves, generation quality, the FLOP floor).
Every setting a report sentence names is read from the run's config, settings and results.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab.analyses.base import ReportView
from genlab.analyses.flop_floor import FlopFloor
from genlab.analyses.generation_quality import GenerationQuality
from genlab.analyses.latent_2d import Latent2D
from genlab.analyses.linear_floor import LinearFloor
from genlab.analyses.loss_curves import LossCurves, main_loss
from genlab.analyses.reconstruction_kl import ReconstructionKL
from genlab.analyses.reconstruction_pairs import ReconstructionPairs
from genlab.analyses.samples import Samples
from genlab.config import StudyConfig
from genlab.errors import GenlabError
from genlab.report.page import Section, Table, Text
from genlab.report.sources import FREITAS_2023
from genlab.studies.model_study import ModelStudy
from genlab.studies.overview_tables import data_sentence, losses_sentence, models_table

REPORTED_KEYS = ("time_s", "loss", "reconstruction", "kl", "worse_by_eye_than")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise GenlabError(message)


@dataclass
class DenseSettings:
    """The study's own keys under `analysis:` (each analysis has its own mapping beside them)."""

    reported: dict[str, dict] = field(default_factory=dict)  # Freitas & Rodrigues (2023)'s numbers, by model name
    reported_note: str = ""  # how the source report (Freitas & Rodrigues, 2023) measured them (shown under the overview)

    def __post_init__(self) -> None:
        for name, numbers in self.reported.items():
            _require(isinstance(numbers, dict), f"analysis.reported.{name} must be a mapping of the source report's numbers, "
                                                f"e.g. {{time_s: 82.9, loss: 0.044}}")
            unknown = [k for k in numbers if k not in REPORTED_KEYS]
            _require(not unknown, f"analysis.reported.{name}.{unknown[0] if unknown else ''} is not a known reported "
                                  f"number; known: {', '.join(REPORTED_KEYS)}")


class DenseStudy(ModelStudy):
    kind = "dense"
    title = "Study 1 — dense autoencoders, VAE and GAN"
    source = FREITAS_2023.short
    Settings = DenseSettings
    analyses = (ReconstructionPairs(), LinearFloor(), Latent2D(), ReconstructionKL(), Samples(), LossCurves(),
                GenerationQuality(), FlopFloor())

    def check(self, config: StudyConfig, settings: DenseSettings) -> None:
        names = [spec.name for spec in config.models]
        for name, numbers in settings.reported.items():
            _require(name in names, f"analysis.reported names {name!r}, which is not a model of this study "
                                    f"(models: {', '.join(names)})")
            other = numbers.get("worse_by_eye_than")
            _require(other is None or other in names, f"analysis.reported.{name}.worse_by_eye_than names {other!r}, "
                                                      f"which is not a model of this study")

    def overview(self, view: ReportView) -> list[Section]:
        specs = [s for s in view.config.models if s.name in view.summaries]
        return [Section(f"Overview: ours beside {self.source}", [Text(_overview_text(view, specs)),
                                                              _results_table(view, specs), models_table(view, specs)])]


def _overview_text(view: ReportView, specs: list) -> str:
    text = (data_sentence(view) + " Times are training time only (steps, not validation), measured on the machine "
            "under Environment.")
    if view.settings.reported_note:
        text += f" {view.settings.reported_note}"
    return text + "\n\n" + losses_sentence(view, specs)


def _results_table(view: ReportView, specs: list) -> Table:
    rows = []
    for spec in specs:
        s, rep = view.summaries[spec.name], view.reported.get(spec.name, {})
        f, key = s["final"], _objective_loss(s["final"])
        rows.append([spec.title, s["epochs"], s["batch_size"], s["train_time_s"], rep.get("time_s"), key,
                     f["train"].get(key), f["val"].get(key), f["test"].get(key), rep.get("loss")])
    src = view.source or "source report"
    return Table(["model", "epochs", "batch", "train time (s)", f"{src}: time (s)", "loss", "train", "val", "test",
                  f"{src}: loss"], rows, f"Every model: ours beside {src} (losses of the last epoch)",
                 kinds=[None, None, None, "seconds", "seconds", None, "loss", "loss", "loss", "loss"])


def _objective_loss(final: dict) -> str:
    """The loss the overview's objective describes: a single-optimiser model's "loss", else
    the total of its last-stepped optimiser (a GAN's generator)."""
    totals = [k for k in final["train"] if k == "loss" or k.endswith("_loss")]
    return "loss" if "loss" in totals else (totals[-1] if totals else main_loss(final))


STUDY = DenseStudy()

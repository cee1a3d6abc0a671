"""The generation benchmark: every generative model genlab has — report 000's dense VAE and
GANs, a DCGAN, a WGAN-GP, report 004's conv VAE and a conv VAE for generation, AE-64
sampled through a Gaussian mixture, a DDPM and flow matching on a U-Net, and class-conditional
members of three families (a DCGAN, a VAE, flow matching with classifier-free guidance) —
trained on the
same data under one declared budget
(the study file's `train:`), ranked by FID, KID, precision, recall and IS beside the
real-data floor.

The study is parts: generation quality and its ranking, the cost of sampling (quality against
sampler steps, beside the one-step models), samples from fixed noise with the
per-epoch FID of every model (the autoencoder's through its mixture), latent interpolation,
VAE loss parts, loss curves and the FLOP floor. Every number and setting a sentence names
is read from the run's config and results.
"""
from __future__ import annotations

from dataclasses import dataclass

from genlab.analyses.base import ReportView
from genlab.analyses.conditional_generation import ConditionalGeneration
from genlab.analyses.flop_floor import FlopFloor
from genlab.analyses.generation_quality import GenerationQuality
from genlab.analyses.generation_ranking import GenerationRanking
from genlab.analyses.latent_interpolation import LatentInterpolation
from genlab.analyses.loss_curves import LossCurves
from genlab.analyses.reconstruction_kl import ReconstructionKL
from genlab.analyses.samples import Samples
from genlab.analyses.sampling_cost import SamplingCost
from genlab.report.page import Section, Text
from genlab.studies.model_study import ModelStudy
from genlab.studies.overview_tables import data_sentence, losses_sentence, models_table


@dataclass
class GenSettings:
    """The study's own keys under `analysis:`: none (no source report to stand beside); each
    analysis has its own mapping."""


class GenStudy(ModelStudy):
    kind = "gen"
    title = "Generation benchmark — genlab's generative models"
    Settings = GenSettings
    analyses = (GenerationRanking(), GenerationQuality(), SamplingCost(), ConditionalGeneration(), Samples(),
                LatentInterpolation(), ReconstructionKL(), LossCurves(), FlopFloor())
    headlines = (("generation:fid", "FID"), ("generation:recall", "recall"))

    def overview(self, view: ReportView) -> list[Section]:
        specs = [s for s in view.config.models if s.name in view.summaries]
        return [Section("The models and their budget", [Text(_budget_text(view, specs)), models_table(view, specs)])]


def _budget_text(view: ReportView, specs: list) -> str:
    budgets = {(s.train.epochs, s.train.batch_size) for s in specs}
    if len(budgets) == 1:
        epochs, batch = next(iter(budgets))
        budget = f"Every model trains {epochs} epochs at batch size {batch} on the same data."
    else:
        budget = "Each model trains " + "; ".join(f"{s.title} {s.train.epochs} epochs at batch size "
                                                 f"{s.train.batch_size}" for s in specs) + ", on the same data."
    total = sum(view.summaries[s.name]["train_time_s"] for s in specs)
    return (f"{budget} {data_sentence(view)} Training took {total:,.0f} s in all (steps only, on the machine under "
            "Environment; each model's time is in the ranking). Models that need several optimiser steps per batch "
            "(a WGAN-GP's critic) spend more time on the same epochs: the budget is data seen, and the time column "
            "says what it cost.\n\n" + losses_sentence(view, specs))


STUDY = GenStudy()

"""The reports and papers genlab's studies stand beside, identified as their own first pages do:
title, authors, date. Pages cite a source by its short form ("Freitas & Rodrigues, 2023") and
give the full identity once, in the findings at the top."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    short: str  # how sentences cite it
    title: str
    authors: str
    date: str
    note: str = ""  # language, what part of it a study follows

    def full(self) -> str:
        return f"{self.authors}, “{self.title}” ({self.date}){'; ' + self.note if self.note else ''}"


FREITAS_2023 = Source("Freitas & Rodrigues, 2023", "Deep Learning – Relatório 4: Autoencoders e GANs",
                      "Rian Freitas and Hanna Rodrigues", "November 2023",
                      "in Portuguese; dense AE, VAE and GAN on Fashion-MNIST")
BASTOS_2024 = Source("Bastos & Cordeiro, 2024", "Aprendizagem Profunda Aplicada — Assignment 2",
                     "Gonçalo Bastos and Leonardo Cordeiro", "26 November 2024",
                     "in Portuguese; convolutional AE, VAE, DAE on Fashion-MNIST and YOLOv5s on KITTI")

SOURCES = {s.short: s for s in (FREITAS_2023, BASTOS_2024)}


def by_short(short: str) -> Source | None:
    """The source a study cites by `short` (None for a study with no source report)."""
    return SOURCES.get(short)

"""What every study implements, and the context a study runs in."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from genlab.config import StudyConfig
from genlab.report.page import Section
from genlab.runs import RunDir


@dataclass
class Runtime:
    """Process-level choices that do not change results' meaning (not in config.yaml)."""

    device: str = "auto"  # auto | cpu | cuda
    resume: bool = False
    progress: bool = True
    keep_checkpoints: bool = False  # keep every model's epoch checkpoints after it finished (default: final.pt only)
    mlflow: bool = False  # log the finished run folder to MLflow (genlab.tracking)
    threads: int | None = None  # CPU threads for torch (None: $GENLAB_THREADS, else one per core)


@dataclass
class StudyContext:
    config: StudyConfig
    run: RunDir
    runtime: Runtime
    options: Any = None  # the study's validated `analysis:` settings
    cache: dict = field(default_factory=dict)


class Study(Protocol):
    """A study trains what it needs, writes figures and metrics into the run folder,
    and turns that folder (and nothing else) into report sections."""

    kind: str
    title: str
    headlines: tuple[tuple[str, str], ...]  # (SOURCE:PATH, label): each model's main numbers

    def settings(self, config: StudyConfig) -> Any:
        """The study file's `analysis:` mapping, validated by the study's own dataclasses."""

    def preflight(self, config: StudyConfig) -> Any:
        """Every check of inputs (data present and valid, models, settings) before the run
        folder is created, so bad input leaves nothing behind."""

    def run(self, ctx: StudyContext) -> None: ...

    def sections(self, run: RunDir, config: StudyConfig) -> list[Section]: ...

    def caveat(self, config: dict, metrics: dict) -> str:
        """What every page about this study's runs must say of its data ("" for nothing)."""

    def sweep_floor(self, vary: dict, config: dict) -> dict | None:
        """The floor under a one-setting sweep's curve, or None."""

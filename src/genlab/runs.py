"""The run folder: one directory that holds everything a run produced.

    RUN/
      config.yaml          resolved study config (what was actually run)
      environment.json     versions, CPU, threads, device
      metrics.json         summary numbers of the whole study
      report.html          built only from the files in this folder
      figures/*.png
      models/NAME/
        metrics.jsonl      one JSON line per epoch and split
        checkpoints/epoch_NNN.pt
        final.pt           trained weights + how to rebuild the model
        summary.json       wall time, final train/val/test losses
        tensorboard/       event files (`tensorboard --logdir RUN`)
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from genlab import atomic
from genlab.errors import GenlabError


@dataclass
class ModelDir:
    path: Path

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def final(self) -> Path:
        return self.path / "final.pt"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    @property
    def tensorboard(self) -> Path:
        return self.path / "tensorboard"

    def is_done(self) -> bool:
        return self.summary.is_file() and self.final.is_file()

    def read_summary(self) -> dict:
        return json.loads(self.summary.read_text()) if self.summary.is_file() else {}

    def read_metrics(self) -> list[dict]:
        return atomic.read_jsonl(self.metrics)


@dataclass
class RunDir:
    path: Path

    @property
    def config(self) -> Path:
        return self.path / "config.yaml"

    @property
    def figures(self) -> Path:
        return self.path / "figures"

    @property
    def report(self) -> Path:
        return self.path / "report.html"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.json"

    @property
    def environment(self) -> Path:
        return self.path / "environment.json"

    def model(self, name: str) -> ModelDir:
        return ModelDir(self.path / "models" / name)

    def figure(self, name: str) -> Path:
        return self.figures / f"{name}.png"

    def read_config(self) -> dict:
        if not self.config.is_file():
            raise GenlabError(f"{self.path} is not a genlab run folder (no config.yaml); pass the folder `genlab run` wrote")
        return yaml.safe_load(self.config.read_text())

    def read_metrics(self) -> dict:
        return json.loads(self.metrics.read_text()) if self.metrics.is_file() else {}

    def update_metrics(self, section: str, values: dict) -> None:
        """Merge one study section into metrics.json (read, update, atomic write)."""
        data = self.read_metrics()
        data[section] = values
        atomic.write_json(self.metrics, data)


def default_out(study: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{study}-{stamp}"


def prepare(out: Path, config: dict, resume: bool) -> RunDir:
    """Create (or reopen with --resume) a run folder; never overwrite a finished one."""
    run = RunDir(Path(out))
    if resume:
        if not run.config.is_file():
            raise GenlabError(f"--resume: {out} holds no run to continue (no config.yaml); drop --resume to start one")
        stored = run.read_config()
        if stored != config:
            changed = sorted(k for k in set(stored) | set(config) if stored.get(k) != config.get(k))
            raise GenlabError(f"--resume: the study config differs from the one {out} was started with "
                              f"(in: {', '.join(changed)}); resume with the same study and --set options, or use a new --out")
        return run
    if run.path.exists() and any(run.path.iterdir()):
        raise GenlabError(f"{out} already exists and is not empty; pass --resume to continue it or choose another --out")
    run.path.mkdir(parents=True, exist_ok=True)
    atomic.write_text(run.config, yaml.safe_dump(config, sort_keys=False))
    atomic.write_json(run.environment, environment())
    return run


def environment() -> dict:
    """What the numbers in a report were measured on."""
    import numpy
    import torch

    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "numpy": numpy.__version__,
        "cuda_available": torch.cuda.is_available(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "started": dt.datetime.now().isoformat(timespec="seconds"),
    }
    try:
        from importlib.metadata import version

        info["genlab"] = version("genlab")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        info["genlab"] = "source"
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

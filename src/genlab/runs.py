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
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from genlab import atomic, safe_yaml
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
        return read_json(self.summary) if self.summary.is_file() else {}

    def read_metrics(self) -> list[dict]:
        return atomic.read_jsonl(self.metrics)


@dataclass
class RunDir:
    path: Path
    created: Path | None = None  # the outermost folder this process made for the run (removed if it fails early)
    existed: bool = False  # the run folder existed (empty) before: emptied, never removed

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
        raw = safe_yaml.load_file(self.config, "run config")
        if not isinstance(raw, dict):
            raise GenlabError(f"{self.config} must hold a mapping (the study config), not {type(raw).__name__}; "
                              "the run folder is damaged")
        return raw

    def read_metrics(self) -> dict:
        return read_json(self.metrics) if self.metrics.is_file() else {}

    def update_metrics(self, section: str, values: dict) -> None:
        """Merge one study section into metrics.json (read, update, atomic write)."""
        data = self.read_metrics()
        data[section] = values
        atomic.write_json(self.metrics, data)


def default_out(study: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{study}-{stamp}"


def check_out(out: Path, resume: bool) -> None:
    """Is `out` usable as a run folder? Checked before any work, so a bad --out costs nothing."""
    out = Path(out)
    if resume:
        if not (out / "config.yaml").is_file():
            raise GenlabError(f"--resume: {out} holds no run to continue (no config.yaml); drop --resume to start one")
        return
    if out.exists() and not out.is_dir():
        raise GenlabError(f"--out {out} is an existing file; name a new folder for the run")
    if out.is_dir() and any(out.iterdir()):
        raise GenlabError(f"{out} already exists and is not empty; pass --resume to continue it or choose another --out")
    check_can_create(out, "--out")


def check_can_create(path: Path, flag: str) -> None:
    """Can `path` (a folder or file not yet there) be created? One line naming `flag` if not."""
    ancestor = Path(path).parent if not Path(path).exists() else Path(path)
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise GenlabError(f"{flag} {path}: {ancestor} is a file, so nothing can be made under it; choose another {flag}")
    try:  # the only reliable test (root, read-only mounts, /proc): make a folder there and remove it
        os.rmdir(tempfile.mkdtemp(prefix=".genlab-probe-", dir=ancestor))
    except OSError as exc:
        raise GenlabError(f"{flag} {path}: cannot create anything in {ancestor} ({exc.strerror}); "
                          f"choose another {flag}") from None


def prepare(out: Path, config: dict, resume: bool) -> RunDir:
    """Create (or reopen with --resume) a run folder, locked for this process; never
    overwrite a finished one."""
    check_out(out, resume)
    run = RunDir(Path(out))
    if resume:
        lock(run)
        try:
            _check_resume_config(run, config)
        except BaseException:
            unlock(run)
            raise
        return run
    run.existed = run.path.is_dir()
    run.created = run.path if run.existed else outermost_missing(run.path)
    try:
        run.path.mkdir(parents=True, exist_ok=True)
        lock(run)
        atomic.write_text(run.config, yaml.safe_dump(config, sort_keys=False))
        atomic.write_json(run.environment, environment())
    except OSError as exc:
        discard_if_unstarted(run)
        raise GenlabError(f"cannot write the run folder {out}: {exc.strerror or exc}") from None
    return run


def outermost_missing(path: Path) -> Path:
    """The outermost folder that creating `path` would make (to remove it again on failure)."""
    while not path.parent.exists():
        path = path.parent
    return path


def has_progress(run: RunDir) -> bool:
    """Has any model of the run finished an epoch (a metrics line, a checkpoint, weights)?"""
    models = run.path / "models"
    if not models.is_dir():
        return False
    for path in models.rglob("*"):
        if path.name in ("metrics.jsonl", "results.csv") and path.stat().st_size > 0:
            return True
        if path.suffix == ".pt" or path.name == "summary.json":
            return True
    return False


def discard_if_unstarted(run: RunDir) -> bool:
    """Remove what this process created for a run that failed before any model finished an
    epoch (nothing to resume). A folder that existed before (empty) is kept, emptied."""
    if run.created is None or not run.created.exists() or has_progress(run):
        return False
    if not run.existed:
        shutil.rmtree(run.created, ignore_errors=True)
        return True
    for child in run.path.iterdir():  # it was empty when this run began: everything in it is ours
        shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
    return True


# Settings that change no trained number: a resumed run may take new values of these.
SAFE_ON_RESUME = ("title", "analysis", "comparisons", "data.root", "data.data_dir", "models.*.title", "models.*.train.tensorboard",
                  "models.*.train.keep_checkpoints")


def config_diff(old, new, where: str = "") -> list[str]:
    """Dotted paths at which two configs differ; models are matched by name
    (`models.ae.train.lr`), so reordering them is no difference."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for k in dict.fromkeys([*old, *new]) for d in config_diff(old.get(k), new.get(k), _dot(where, k))]
    if where == "models" and isinstance(old, list) and isinstance(new, list):
        named = [{m.get("name"): m for m in side if isinstance(m, dict)} for side in (old, new)]
        if len(named[0]) == len(old) and len(named[1]) == len(new):
            return config_diff(*named, where)
    return [] if old == new else [where]


def _dot(where: str, key) -> str:
    return f"{where}.{key}" if where else str(key)


def safe_on_resume(key: str) -> bool:
    parts = key.split(".")
    for pattern in SAFE_ON_RESUME:
        want = pattern.split(".")
        if len(parts) >= len(want) and all(w in ("*", p) for w, p in zip(want, parts)):
            return True
    return False


def _check_resume_config(run: RunDir, config: dict) -> None:
    """Resume only with the settings the trained models were trained with; report-only
    settings may change (config.yaml then records the new values)."""
    diffs = config_diff(run.read_config(), config)
    unsafe = [d for d in diffs if not safe_on_resume(d)]
    if unsafe:
        safe = [d for d in diffs if safe_on_resume(d)]
        also = f"; safe to change: {', '.join(safe)}" if safe else ""
        raise GenlabError(f"--resume: the study differs from the one {run.path} was started with in {', '.join(unsafe)} — not safe to "
                          f"change on resume (models, data, seed and train settings decide what was trained){also}; "
                          "undo those changes, or start a new run with another --out")
    if diffs:
        print(f"genlab: resume: taking new values of {', '.join(diffs)} (analysis/report settings, safe to change)",
              file=sys.stderr)
        atomic.write_text(run.config, yaml.safe_dump(config, sort_keys=False))


LOCK_NAME = ".genlab.lock"


def lock(run: RunDir) -> None:
    """Hold the run folder for this process (a second writer gets one line)."""
    atomic.acquire_lock(run.path / LOCK_NAME, f"{run.path} is being written")


def unlock(run: RunDir) -> None:
    atomic.release_lock(run.path / LOCK_NAME)


def read_json(path: Path) -> dict:
    """A JSON object written by genlab, or one line naming the file and what is wrong."""
    try:
        value = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise GenlabError(f"{path} is not UTF-8 text; the run folder is damaged") from None
    except json.JSONDecodeError as exc:
        raise GenlabError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg}; truncated?); "
                          "the run folder is damaged — rerun with --resume or restore the file") from None
    if not isinstance(value, dict):
        raise GenlabError(f"{path} must hold a JSON object, not {type(value).__name__}; the run folder is damaged")
    return value


def check_run(run: RunDir) -> dict:
    """Validate a run folder for a command that reads it; its config mapping, or the first
    problem in one line. metrics.jsonl lines must all be whole (a torn line means the run
    was interrupted: `--resume` finishes and rewrites it)."""
    if not run.path.is_dir():
        raise GenlabError(f"{run.path} is not a folder; pass the run folder `genlab run` wrote")
    raw = run.read_config()
    for path in (run.metrics, run.environment, *sorted(run.path.glob("models/*/summary.json"))):
        if path.is_file():
            read_json(path)
    for path in sorted(run.path.glob("models/*/metrics.jsonl")):
        try:
            lines = path.read_bytes().decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise GenlabError(f"{path} is not UTF-8 text; the run folder is damaged") from None
        for number, line in enumerate(lines, 1):
            try:
                ok = isinstance(json.loads(line), dict)
            except json.JSONDecodeError:
                ok = False
            if not ok:
                raise GenlabError(f"{path} line {number} is not a whole JSON record (an interrupted write?); "
                                  "finish the run with `genlab run … --resume`, or delete that line")
    return raw


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

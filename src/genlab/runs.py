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
import os
import sys
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from genlab import atomic, interrupts, safe_yaml
from genlab.run_environment import environment
from genlab.run_files import check_run, damaged, damaged_lines, read_json, resume_hint  # noqa: F401 (re-exported)
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


def check_out(out: Path, resume: bool, resumable: bool = True) -> None:
    """Is `out` usable as a run folder? Checked before any work (torch-free, the lock first),
    so a bad --out or a second writer costs nothing. `resumable`: the command has --resume."""
    out = Path(out)
    if resume:
        if not (out / "config.yaml").is_file():
            raise GenlabError(f"--resume: {out} holds no run to continue (no config.yaml); drop --resume to start one")
        atomic.check_lock(out / LOCK_NAME, f"{out} is being written")
        return
    if out.exists() and not out.is_dir():
        raise GenlabError(f"--out {out} is an existing file; name a new folder for the run")
    if out.is_dir() and any(out.iterdir()):
        atomic.check_lock(out / LOCK_NAME, f"{out} is being written")
        advice = "pass --resume to continue it or choose another --out" if resumable else "choose another --out"
        raise GenlabError(f"{out} already exists and is not empty; {advice}")
    check_can_create(out, "--out")


def check_file_target(path: Path | None, flag: str, example: str) -> None:
    """A file a command will write: not a folder, and its folder can be made (before any work)."""
    if path is None:
        return
    if Path(path).is_dir():
        raise GenlabError(f"{flag} {path} is a folder; name a file, e.g. {flag} {example}")
    check_can_create(Path(path), flag)


def check_folder_target(path: Path, flag: str, new: bool = False) -> None:
    """A folder a command will write into: not a file, its parents can be made, and (`new`)
    not a folder that already holds something — checked before any work."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise GenlabError(f"{flag} {path} is a file; name a folder")
    if new and path.is_dir() and any(path.iterdir()):
        raise GenlabError(f"{flag} {path} already holds files; name a new or empty folder (nothing is overwritten)")
    check_can_create(path, flag)


def check_can_create(path: Path, flag: str) -> None:
    """Can `path` (a folder or file not yet there, or a file to replace) be created? One line
    naming `flag` if not."""
    path = Path(path)
    ancestor = path.parent if not path.is_dir() else path
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
    overwrite a finished one. No signal lands halfway (genlab.interrupts): an interrupted
    start leaves nothing behind."""
    check_out(out, resume)
    run = RunDir(Path(out))
    with interrupts.critical():
        interrupts.exit_at_once(False)  # from here a signal is held, then cleaned up after
        if resume:
            lock(run)
            try:
                _check_resume_config(run, config)
                repair_for_resume(run)
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
        except BaseException as exc:
            discard_if_unstarted(run)
            unlock(run)
            if isinstance(exc, OSError) and not isinstance(exc, atomic.WriteError):
                raise GenlabError(f"cannot write the run folder {out}: {exc.strerror or exc}") from None
            raise
    return run


def repair_for_resume(run: RunDir) -> None:
    """What an interrupted or damaged run folder needs before `--resume` can finish it: a
    damaged metrics.json or environment.json is written again (the analyses recompute the
    one, the other describes this process); a model whose summary.json or metrics.jsonl is
    damaged is trained again (with the same seed, so to the same numbers)."""
    for path in (run.metrics, run.environment):
        if path.is_file() and damaged(path):
            print(f"genlab: resume: {path} is damaged; writing it again", file=sys.stderr)
            path.unlink()
    if not run.environment.is_file():
        atomic.write_json(run.environment, environment())
    for folder in sorted({p.parent for p in run.path.glob("*/*/summary.json")}):
        model = ModelDir(folder)
        if damaged(model.summary) or (model.metrics.is_file() and damaged_lines(model.metrics)):
            print(f"genlab: resume: {folder.relative_to(run.path)} has a damaged summary.json or metrics.jsonl; "
                  "training it again", file=sys.stderr)
            model.summary.unlink()


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

"""Study configuration: one dataclass per concern, validated on load.

A study file (YAML) is these dataclasses written out. Unknown keys and ill-typed values
fail with one line naming the key and what is accepted. Overrides (`--set a.b=v`, the
study's own `quick:` block) are applied to the raw mapping before validation, so they
are checked exactly like the file.
"""
from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genlab import safe_yaml
from genlab.data.options import DataConfig  # noqa: F401 (re-exported: a study file's `data:`)
from genlab.errors import GenlabError
from genlab.typed_settings import MAX_INT, _check_mapping, _require, from_dict  # noqa: F401 (re-exported)

STUDY_DIR = Path(__file__).parent / "studies"
MAX_SEED = 2**32 - 1  # numpy's seed range; torch and Python accept it too

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "linear", "cosine", "onecycle")
STEP_MODES = ("auto", "eager", "cuda_graph")  # how one batch's update runs: engine/step.py
PRECISIONS = ("float32", "bfloat16", "auto")  # what the networks compute in: engine/precision.py
MAX_EPOCHS = 100_000  # sane upper bounds: a typo (1e9) is refused, not started
MAX_BATCH = 65_536
LINEAR_END = 0.01  # a linear schedule ends at lr·0.01 (ultralytics' default `lrf`)


@dataclass
class TrainConfig:
    """How one model is optimised. Study-level values are defaults for every model."""

    epochs: int = 10  # passes over the training images
    batch_size: int = 32  # images per optimiser step
    optimizer: str = "adam"  # adam | adamw | sgd, for every named optimiser of the model
    lr: float = 1e-3  # learning rate (the peak of a schedule)
    betas: tuple[float, float] = (0.9, 0.999)  # adam / adamw
    momentum: float = 0.9  # sgd
    weight_decay: float = 0.0  # L2 penalty (adam, sgd) or decoupled decay (adamw)
    schedule: str = "constant"  # lr per step: constant | linear (to lr·0.01) | cosine (to 0) | onecycle (peak = lr)
    steps: dict[str, int] = field(default_factory=dict)  # steps per batch of a named optimiser, e.g. {critic: 5}
    eval_batch_size: int = 1000  # images per forward pass when measuring validation and test losses
    keep_checkpoints: int = 2  # epoch checkpoints kept on disk (the newest ones)
    tensorboard: bool = True  # write TensorBoard logs under models/NAME/tensorboard
    step: str = "auto"  # auto (= eager) | eager | cuda_graph (opt-in, GPU only: engine/step.py)
    precision: str = "float32"  # float32 | bfloat16 (mixed) | auto (bfloat16 where the device has bf16 matrix units)

    def __post_init__(self) -> None:
        self.betas = tuple(float(b) for b in self.betas)  # YAML gives a list
        _require(self.epochs >= 1, f"train.epochs must be >= 1, got {self.epochs}")
        _require(self.batch_size >= 1, f"train.batch_size must be >= 1, got {self.batch_size}")
        _require(self.eval_batch_size >= 1, f"train.eval_batch_size must be >= 1, got {self.eval_batch_size}")
        _require(self.epochs <= MAX_EPOCHS, f"train.epochs must be at most {MAX_EPOCHS:,} (at one second an epoch "
                                            f"that is over a day of training), got {self.epochs:,}")
        for key in ("batch_size", "eval_batch_size"):
            value = getattr(self, key)
            _require(value <= MAX_BATCH, f"train.{key} must be at most {MAX_BATCH:,} images (more than any "
                                         f"dataset genlab reads holds in memory at once), got {value:,}")
        _require(self.optimizer in OPTIMIZERS, f"train.optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        _require(self.schedule in SCHEDULES, f"train.schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        _require(0 < self.lr < 10, f"train.lr must be in (0, 10), got {self.lr}")
        _require(len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas),
                 f"train.betas must be two numbers in [0, 1), e.g. [0.9, 0.999], got {list(self.betas)}")
        _require(0 <= self.momentum < 1, f"train.momentum must be in [0, 1), got {self.momentum}")
        _require(self.weight_decay >= 0, f"train.weight_decay must be >= 0, got {self.weight_decay}")
        bad = {k: v for k, v in self.steps.items() if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 100}
        _require(not bad, f"train.steps values must be whole numbers from 1 to 100 (steps per batch), got {bad}")
        _require(self.step in STEP_MODES, f"train.step must be one of {', '.join(STEP_MODES)}, got {self.step!r}")
        _require(self.precision in PRECISIONS,
                 f"train.precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        _require(1 <= self.keep_checkpoints <= 1000,
                 f"train.keep_checkpoints must be from 1 to 1000 (each is a full copy of the model), got {self.keep_checkpoints}")


@dataclass
class ModelSpec:
    """One model of a study: a registry entry, its constructor arguments, its training."""

    name: str  # label in the run folder and report, e.g. "ae64"
    model: str  # registry key, e.g. "dense_ae"
    title: str = ""  # the name pages show; `{param}` is filled from params, e.g. "VAE-{latent_dim}" → VAE-16
    params: dict[str, Any] = field(default_factory=dict)  # the registry entry's constructor arguments (`genlab models NAME`)
    train: TrainConfig = field(default_factory=TrainConfig)  # this model's training; wins over the study's train:

    def __post_init__(self) -> None:
        _require(self.name.isidentifier() and self.name.isascii() and len(self.name) <= 64,
                 f"model name {self.name[:70]!r} must be a simple identifier of at most 64 ASCII letters, digits, _")
        self.title = fill_title(self.title or self.name, self.params, self.name)


TITLE_FIELD = re.compile(r"\{([A-Za-z_]\w*)\}")


def fill_title(title: str, params: dict, name: str) -> str:
    """A model's title with each `{param}` replaced by its value, so a name follows its settings:
    "VAE-{latent_dim}" with `--set models.vae.params.latent_dim=16` is "VAE-16" on every page."""
    missing = [f for f in TITLE_FIELD.findall(title) if f not in params]
    _require(not missing, f"models.{name}.title names {{{missing[0] if missing else ''}}}, which is not one of its "
                          f"params ({', '.join(params) or 'none set'}); set it under params: or write the value")
    return TITLE_FIELD.sub(lambda m: _title_value(params[m.group(1)]), title)


def _title_value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "-".join(_title_value(v) for v in value)
    return str(value)


BETTER = ("higher", "lower")
CLAIM_BY = ("source", "literature", "genlab")  # who makes a comparison's claim: the page labels it so


@dataclass
class ComparisonSpec:
    """A difference between two models that the study's source report draws; genlab
    tests it over seeds (genlab.report.verdicts) and says whether it holds."""

    metric: str  # SOURCE:PATH — SOURCE is an analysis key, `generation`, `summary` or `eval`
    a: str  # model names of this study
    b: str
    better: str = "higher"  # higher | lower: which direction of the metric is better
    label: str = ""  # the metric in words, e.g. "frozen-encoder test accuracy"
    claim: str = ""  # the conclusion being tested, quoted beside the verdict, with its reference first
    claim_by: str = "source"  # who makes the claim: source (the study's source report) | literature | genlab

    def __post_init__(self) -> None:
        _require(self.better in BETTER, f"better must be higher or lower, got {self.better!r}")
        _require(self.claim_by in CLAIM_BY, f"claim_by must be one of {', '.join(CLAIM_BY)}, got {self.claim_by!r}")
        source, _, path = self.metric.partition(":")
        _require(bool(source) and bool(path), f"metric must be SOURCE:PATH, e.g. summary:final.test.loss, "
                                              f"got {self.metric!r}")
        _require(self.a != self.b, f"a and b must name two different models, got {self.a!r} twice")
        self.label = self.label or self.metric


@dataclass
class StudyConfig:
    """A whole study: data, models, study-specific analysis options."""

    study: str  # which study runs it: dense, conv, kitti, gen (genlab.studies.STUDIES)
    title: str = ""  # the report's heading (default: the study's own)
    seed: int = 0  # seeds the data split, initialisation and shuffling: same seed, same numbers
    data: DataConfig = field(default_factory=DataConfig)  # which images (below)
    models: list[ModelSpec] = field(default_factory=list)  # the models to train, each with a name, a registry model, params, train
    analysis: dict[str, Any] = field(default_factory=dict)  # each analysis's settings, by key (below, per study)
    comparisons: list[ComparisonSpec] = field(default_factory=list)  # differences tested over seeds (--seeds N)
    quick_run: bool = False  # set when the study file's `quick:` block was applied (--quick): every page says so

    def __post_init__(self) -> None:
        _require(0 <= self.seed <= MAX_SEED, f"seed must be a whole number from 0 to {MAX_SEED:,} (2**32 - 1), "
                                             f"got {self.seed}")
        _require(bool(self.models), "models: a study needs at least one model entry (- name: ..., model: ...)")
        names = [m.name for m in self.models]
        for i, comp in enumerate(self.comparisons):
            for side in ("a", "b"):
                _require(getattr(comp, side) in names, f"comparisons[{i}].{side}: {getattr(comp, side)!r} is not a "
                                                       f"model of this study (models: {', '.join(names)})")

    def model(self, name: str) -> ModelSpec:
        for spec in self.models:
            if spec.name == name:
                return spec
        raise GenlabError(f"no model named {name!r} in this study (have: {', '.join(m.name for m in self.models)})")


# ---------------------------------------------------------------- loading

def locate_study(name_or_path: str) -> Path:
    """A shipped study name (``dense``) or a path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise GenlabError(f"study file {path} does not exist; pass a YAML path or one of: {', '.join(shipped_studies())}")
        return path
    shipped = STUDY_DIR / f"{name_or_path}.yaml"
    if name_or_path not in shipped_studies():  # `../studies/dense` is a path that is not there, not a shipped name
        if "/" in name_or_path or "\\" in name_or_path:
            raise GenlabError(f"study file {path} does not exist; pass a YAML path or one of: {', '.join(shipped_studies())}")
        raise GenlabError(f"unknown study {name_or_path!r}; shipped studies: {', '.join(shipped_studies())} (or pass a YAML path)")
    if not shipped.is_file():
        raise GenlabError(f"unknown study {name_or_path!r}; shipped studies: {', '.join(shipped_studies())} (or pass a YAML path)")
    return shipped


def shipped_studies() -> list[str]:
    return sorted(p.stem for p in STUDY_DIR.glob("*.yaml"))


def read_yaml(path: Path) -> dict:
    raw = safe_yaml.load_file(path, "study file")  # UTF-8, aliases and nesting bounded
    if not isinstance(raw, dict):
        raise GenlabError(f"{path} must hold a mapping of study settings (key: value lines), not {type(raw).__name__}")
    return raw


def load_study(name_or_path: str, overrides: list[str] = (), quick: bool = False, seed: int | None = None) -> StudyConfig:
    """Read a study file, apply `quick:` then `--set` overrides, validate, return the config."""
    path = locate_study(name_or_path)
    raw = read_yaml(path)
    quick_block = raw.pop("quick", {}) or {}
    _check_mapping(quick_block, "quick")
    if quick:
        for key, value in quick_block.items():
            apply_override(raw, str(key), value)
        raw["quick_run"] = True
    for item in overrides:
        key, value = parse_override(item)
        apply_override(raw, key, value)
    if seed is not None:
        raw["seed"] = seed
    return study_from_dict(raw, source=str(path))


def study_from_dict(raw: dict, source: str = "study") -> StudyConfig:
    _check_mapping(raw, source)
    raw = copy.deepcopy(raw)
    raw.pop("quick", None)
    base_train = raw.pop("train", {}) or {}
    from_dict(TrainConfig, base_train, "train")  # checked even where every model sets its own value
    models = raw.get("models") or []
    if not isinstance(models, list):
        raise GenlabError(f"{source}: 'models' must be a list of model entries (- name: ..., model: ...)")
    for i, entry in enumerate(models):
        _check_mapping(entry, f"models[{i}]")
        _require(isinstance(entry.get("name"), str), f"models[{i}].name must be a string, got {entry.get('name')!r}")
        own = entry.get("train") or {}
        _check_mapping(own, f"models.{entry['name']}.train")
        entry["train"] = {**base_train, **own}  # a model's own settings win over the study's
    names = [m["name"] for m in models]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise GenlabError(f"{source}: model names must be unique, repeated: {', '.join(map(str, dupes))}")
    return from_dict(StudyConfig, raw, where="")


def parse_override(item: str) -> tuple[str, Any]:
    if "=" not in item:
        raise GenlabError(f"--set {item!r}: expected KEY=VALUE, e.g. --set train.epochs=3")
    key, text = item.split("=", 1)
    try:
        value = safe_yaml.loads(text, f"--set {key}") if text else ""
    except GenlabError as exc:
        if "not valid YAML" not in str(exc):
            raise  # a limit (depth, aliases): never fall back to the raw text
        value = text  # e.g. `a: b` that is not YAML: a plain string, refused by its key's type if wrong
    if not key.strip() or any(not part for part in key.strip().split(".")):
        raise GenlabError(f"--set {item!r}: the key must be dotted names, e.g. train.epochs")
    return key.strip(), value


def apply_override(raw: dict, key: str, value: Any) -> None:
    """Set a dotted key. ``train.X`` sets X for every model (and the default);
    ``models.NAME.a.b`` reaches into the model called NAME."""
    parts = key.split(".")
    entries = [m for m in raw.get("models") or [] if isinstance(m, dict)] if isinstance(raw.get("models"), list) else []
    if parts[0] == "train" and len(parts) == 2:
        _set_path(raw, parts, value, key)
        for entry in entries:
            if isinstance(entry.get("train"), dict):
                entry["train"][parts[1]] = value
        return
    if parts[0] == "models" and len(parts) >= 3:
        entry = next((m for m in entries if m.get("name") == parts[1]), None)
        if entry is None:
            names = [str(m.get("name")) for m in entries]
            raise GenlabError(f"--set {key}: no model named {parts[1]!r} (have: {', '.join(names) or 'none'})")
        _set_path(entry, parts[2:], value, key)
        return
    _set_path(raw, parts, value, key)


def _set_path(target: dict, parts: list[str], value: Any, key: str) -> None:
    for part in parts[:-1]:
        nxt = target.setdefault(part, {})
        if nxt is None:  # `section:` left empty in the file
            nxt = target[part] = {}
        if not isinstance(nxt, dict):
            raise GenlabError(f"--set {key}: {part!r} is not a section (it holds {nxt!r})")
        target = nxt
    target[parts[-1]] = value


def to_dict(obj) -> dict:
    """The resolved config as plain data (what `config.yaml` in a run folder holds)."""
    return _plain(dataclasses.asdict(obj))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def typed_options(cls, raw: dict, where: str):
    """Validate a study's free-form `analysis:` mapping against that study's dataclass."""
    return from_dict(cls, raw or {}, where)

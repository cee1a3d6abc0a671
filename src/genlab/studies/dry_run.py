"""`genlab run STUDY --dry-run`: what a run would do, before anything trains or is written —
the resolved settings, each model and its training, which analyses run on which models (and
which are skipped, and why), an estimate of the training time and of the disk it takes.

The estimate has two parts, both measured on this machine now: the FLOP floor (the FLOPs of
one update, counted by torch, × the updates, at the matmul peak measured now: no training
can be faster), and one real update of each model timed (forward, backward and an Adam step
at the model's batch size, best of a few) × its updates — what the run will roughly take,
validation passes and analyses not included.
"""
from __future__ import annotations

import math
import time

import yaml

from genlab import config as cfgmod
from genlab.config import ModelSpec, StudyConfig

TIMED_UPDATES = 3  # real updates timed per model (after one warm-up): the best is taken
ADAM_STATE = 3  # a checkpoint holds weights and Adam's two moments: 3 numbers per parameter
FIGURES_BYTES = 12e6  # a run's figures, logs and metrics (a quick dense run held about 10 MB besides models)


def describe(config: StudyConfig, study, device: str = "cpu") -> str:
    """The dry run's text: settings, models, analyses, estimate."""
    from genlab.studies.model_study import load_facts

    if not all(spec.model in _registered() for spec in config.models):
        models = "\n".join(f"  {s.name:<14} {s.title} — {s.model}, {s.train.epochs} epochs" for s in config.models)
        return (f"{_settings(config)}\n\nModels:\n{models}\n\nEstimate: not computed for this study (its models "
                "are ultralytics' YOLO, trained by ultralytics).")
    facts = load_facts(config.data)
    plan = study.preflight(config, facts)
    classes = len(facts.classes) if facts.classes else None
    parts = [_settings(config), _models(config, facts, classes)]
    if plan is not None:
        parts.append(_analyses(study, plan))
    parts.append(estimate_text(config, facts, classes, device))
    return "\n\n".join(parts)


def _settings(config: StudyConfig) -> str:
    text = yaml.safe_dump(cfgmod.to_dict(config), sort_keys=False, width=110)
    quick = " (the study's quick: block applied)" if config.quick_run else ""
    return f"Resolved study settings{quick} — what config.yaml of the run will hold:\n" + _indent(text)


def _models(config: StudyConfig, facts, classes) -> str:
    from genlab import registry

    c, h, w = facts.shape
    lines = [f"Data: {facts.title}, {c}×{h}×{w}" + (f", {classes} classes" if classes else ", no labels"),
             f"Models ({len(config.models)}):"]
    for spec in config.models:
        method = registry.build_meta(spec.model, spec.params, shape=tuple(facts.shape), classes=classes)
        n = method.parameter_count()
        params = ", ".join(f"{k}={v}" for k, v in spec.params.items()) or "defaults"
        lines.append(f"  {spec.name:<14} {spec.title} — {spec.model}({params}); {n:,} parameters; "
                     f"{spec.train.epochs} epochs at batch {spec.train.batch_size}, {spec.train.optimizer} "
                     f"lr {spec.train.lr:g}, precision {spec.train.precision}")
    return "\n".join(lines)


def _analyses(study, plan) -> str:
    lines = ["Analyses (in order):"]
    for analysis in study.analyses:
        if analysis.key in plan.unlabelled:
            lines.append(f"  {analysis.key:<22} skipped: needs class labels, which the data lacks")
        elif analysis.key not in plan.included:
            lines.append(f"  {analysis.key:<22} off (analysis.{analysis.key}.enabled: false)")
        else:
            skipped = plan.skipped.get(analysis.key) or {}
            text = ", ".join(plan.included[analysis.key]) or "no model qualifies"
            if skipped:
                text += "; skipped " + ", ".join(f"{n} (lacks {', '.join(m)})" for n, m in skipped.items())
            lines.append(f"  {analysis.key:<22} {text}")
    return "\n".join(lines)


def update_seconds(spec: ModelSpec, shape, classes, repeats: int = TIMED_UPDATES) -> float:
    """One real training update of `spec` on this CPU: every named optimiser's loss, backward and
    Adam step at its batch size, on a random batch (best of `repeats` after a warm-up)."""
    import torch

    from genlab import registry
    from genlab.engine import precision

    method = registry.build(spec.model, spec.params, shape=shape, classes=classes)
    method.train()
    groups = method.parameter_groups()
    optims = {n: torch.optim.Adam(groups[n], lr=1e-4, fused=True) for n in method.optimizers}  # as the trainer's
    dtype = precision.resolve(spec.train.precision, "cpu")
    x = torch.rand(spec.train.batch_size, *shape)  # B×C×H×W in [0, 1]
    y = torch.randint(0, max(classes or 1, 1), (spec.train.batch_size,))
    best = math.inf
    for i in range(repeats + 1):
        start = time.perf_counter()
        for name in method.optimizers:
            for _ in range(spec.train.steps.get(name, 1)):
                optims[name].zero_grad(set_to_none=True)
                with precision.autocast(dtype, "cpu"):
                    loss = method.loss(x, y, name).total
                loss.backward()
                optims[name].step()
        if i:  # the first is a warm-up
            best = min(best, time.perf_counter() - start)
    return best


def estimate(config: StudyConfig, facts, classes, device: str = "cpu") -> dict:
    """Per model: updates, floor seconds, measured update seconds, estimated seconds, disk bytes."""
    from genlab.analyses.flop_floor import floor_table
    from genlab.data.splits import make_splits

    n_train = len(make_splits(config.data, config.seed).train)
    floor = floor_table(config, n_train, tuple(facts.shape), classes, device=device)
    rows = []
    for spec, f in zip(config.models, floor["models"]):
        step = update_seconds(spec, tuple(facts.shape), classes)
        n = _parameters(spec, facts.shape, classes)
        rows.append({"model": spec.name, "updates": f["updates"], "floor_s": f["floor_time_s"], "update_s": step,
                     "estimate_s": max(f["floor_time_s"], step * f["updates"]), "final_bytes": 4 * n,
                     "checkpoint_bytes": 4 * n * ADAM_STATE * spec.train.keep_checkpoints})
    return {"n_train": n_train, "peak": floor["peak_flop_per_s"], "models": rows}


def _parameters(spec: ModelSpec, shape, classes) -> int:
    from genlab import registry

    method = registry.build_meta(spec.model, spec.params, shape=tuple(shape), classes=classes)
    return sum(p.numel() for p in method.parameters())


def estimate_text(config: StudyConfig, facts, classes, device: str = "cpu") -> str:
    e = estimate(config, facts, classes, device)
    lines = [f"Estimated training time on this machine ({e['n_train']:,} training images per epoch; float32 matmul "
             f"peak measured now: {e['peak'] / 1e9:,.0f} GFLOP/s):",
             f"  {'model':<14} {'updates':>8} {'FLOP floor':>11} {'1 update':>10} {'estimate':>10}"]
    for r in e["models"]:
        lines.append(f"  {r['model']:<14} {r['updates']:>8,} {_time(r['floor_s']):>11} {r['update_s'] * 1e3:>8.1f}ms "
                     f"{_time(r['estimate_s']):>10}")
    total = sum(r["estimate_s"] for r in e["models"])
    floor = sum(r["floor_s"] for r in e["models"])
    disk = sum(r["final_bytes"] for r in e["models"]) + max(r["checkpoint_bytes"] for r in e["models"]) + FIGURES_BYTES
    lines += [f"  {'all models':<14} {'':>8} {_time(floor):>11} {'':>10} {_time(total):>10}",
              "Training only: validation, evaluation (FID etc.) and the analyses come on top, as does training the "
              "dataset's feature network on first use. The machine's load changes this: a busy machine is slower.",
              f"Disk: about {disk / 1e6:,.0f} MB in the run folder (final weights, the newest checkpoints of the model "
              "in training, figures and logs); nothing is written by --dry-run."]
    return "\n".join(lines)


def _registered() -> list[str]:
    from genlab import registry

    return registry.models()


def _time(seconds: float) -> str:
    return f"{seconds:,.1f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.rstrip().splitlines())

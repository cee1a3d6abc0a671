"""Run a study into a run folder, and (re)build its report from that folder alone."""
from __future__ import annotations

import sys
from pathlib import Path

from genlab import config as cfgmod
from genlab.config import StudyConfig
from genlab.engine.trainer import TrainData, TrainerOptions, fit
from genlab.report import page
from genlab.runs import RunDir, default_out, prepare
from genlab.studies import get_study
from genlab.studies.base import Runtime, StudyContext


def run_study(config: StudyConfig, out: Path | None, runtime: Runtime) -> RunDir:
    study = get_study(config.study)
    options = cfgmod.typed_options(study.Options, config.analysis, "analysis")  # fail before any work
    if hasattr(study, "preflight"):
        study.preflight(config)  # e.g. find and verify the data before a run folder exists
    run = prepare(out or default_out(Path(config.study).stem), cfgmod.to_dict(config), runtime.resume)
    print(f"genlab: run folder {run.path}", file=sys.stderr)
    study.run(StudyContext(config=config, run=run, runtime=runtime, options=options))
    path = build_report(run)
    print(f"genlab: report written to {path}", file=sys.stderr)
    return run


def build_report(run: RunDir) -> Path:
    """report.html from the files in the run folder (config.yaml, metrics, figures)."""
    import json

    raw = run.read_config()
    config = cfgmod.study_from_dict(raw, source=str(run.config))
    study = get_study(config.study)
    environment = json.loads(run.environment.read_text()) if run.environment.is_file() else {}
    sections = study.sections(run, config)
    subtitle = f"{study.title} · run folder {run.path.name} · seed {config.seed}"
    return page.write(run.path, config.title or study.title, sections, raw, environment, subtitle)


def trained_models(ctx: StudyContext) -> dict:
    """name → trained Method (eval mode), read back from the run folder."""
    from genlab import registry

    return {spec.name: registry.load_trained(ctx.run.model(spec.name)) for spec in ctx.config.models}


def train_models(ctx: StudyContext, splits, callbacks_for=lambda spec: ()) -> dict[str, dict]:
    """Train every model of the study with the one engine; returns name → summary."""
    options = TrainerOptions(device=ctx.runtime.device, resume=ctx.runtime.resume, progress=ctx.runtime.progress)
    data = TrainData(splits.train, splits.val, splits.test)
    summaries = {}
    for spec in ctx.config.models:
        summaries[spec.name] = fit(spec, data, ctx.run.model(spec.name), ctx.config.seed, options,
                                   tuple(callbacks_for(spec)))
    return summaries

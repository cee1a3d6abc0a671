"""Run a study into a run folder, and (re)build its report from that folder alone."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from genlab import config as cfgmod
from genlab import runs
from genlab.config import StudyConfig
from genlab.engine import checkpoint
from genlab.engine.trainer import TrainData, TrainerOptions, fit
from genlab.errors import GenlabError
from genlab.runs import RunDir, default_out, prepare
from genlab.studies import get_study
from genlab.studies.base import Runtime, StudyContext


def run_study(config: StudyConfig, out: Path | None, runtime: Runtime) -> RunDir:
    """Every check first (out folder, device, settings, models, data); then the run folder,
    locked while this process writes it, and removed again if the run fails before any
    model finished an epoch (nothing there to resume)."""
    out = Path(out) if out else default_out(Path(config.study).stem)
    runs.check_out(out, runtime.resume)
    study, options = check_study(config, runtime)
    from genlab.engine.device import setup_process

    setup_process(threads=runtime.threads)  # after the checks: determinism's setup imports torch's compiler (seconds)
    run = prepare(out, cfgmod.to_dict(config), runtime.resume)
    try:
        print(f"genlab: run folder {run.path}", file=sys.stderr)
        execute(study, StudyContext(config=config, run=run, runtime=runtime, options=options))
        path = build_report(run)
    except BaseException:
        if runs.discard_if_unstarted(run):
            print(f"genlab: removed {run.created}: the run failed before any model finished an epoch", file=sys.stderr)
        raise
    finally:
        runs.unlock(run)
    print(headline(run), file=sys.stderr)
    print(f"genlab: report written to {path}", file=sys.stderr)
    if runtime.mlflow:
        from genlab import tracking

        run_id = tracking.log_run(run.path)
        print(f"genlab: logged to MLflow ({tracking.tracking_uri()}) as run {run_id}", file=sys.stderr)
    return run


def check_study(config: StudyConfig, runtime: Runtime):
    """Every check of a study that needs no training: device, data sizes, models (built on
    the meta device), the study's own settings and preflight. Returns (study, settings)."""
    from genlab.engine.device import gpu_list, select_device

    study = get_study(config.study)
    if gpu_list(runtime.device) and not getattr(study, "multi_gpu", False):
        raise GenlabError(f"--device {runtime.device}: several GPUs are for the kitti study (ultralytics' DDP); the "
                          f"{config.study} study trains on one device — to use several GPUs, run seeds in "
                          "parallel: --seeds N (one trial per GPU)")
    device = select_device(runtime.device)  # --device cuda without a GPU: refused before anything is written
    _check_step_device(config, device)
    _check_data_sizes(config.data)
    _check_registry_models(config)  # before the study's (heavier) imports
    return study, preflight(study, config)


def _check_step_device(config: StudyConfig, device) -> None:
    """train.step=cuda_graph asks for a CUDA graph (engine/cuda_graph.py): a CUDA device only."""
    graphed = [spec.name for spec in config.models if spec.train.step == "cuda_graph"]
    if graphed and device.type != "cuda":
        raise GenlabError(f"models.{graphed[0]}.train.step=cuda_graph needs a CUDA GPU, but this run trains on "
                          f"{device.type}; use train.step=auto or eager, or --device cuda")


def preflight(study, config: StudyConfig):
    """The study's checks that need no training; its validated `analysis:` settings."""
    options = study.settings(config)
    if hasattr(study, "preflight"):
        study.preflight(config)
    return options


def _check_registry_models(config: StudyConfig) -> None:
    """Build every registry model on the meta device (no memory, no time): its params are
    checked whatever the study's own preflight does. Studies of other models (kitti's
    yolo) name no registry model and check their own."""
    from genlab import registry

    if any(spec.model in registry.MODELS for spec in config.models):
        from genlab.studies.model_study import model_capabilities

        model_capabilities(config)


def _check_data_sizes(data) -> None:
    if data.dataset != "fashion_mnist":
        return
    limits = {"train_subset": 60000 - data.val_size, "test_subset": 10000}
    for key, limit in limits.items():
        value = getattr(data, key)
        if value is not None and value > limit:
            raise GenlabError(f"data.{key}={value} is more than the {limit:,} images available "
                              f"(Fashion-MNIST: 60,000 train minus data.val_size={data.val_size}, 10,000 test)")


def execute(study, ctx: StudyContext) -> None:
    """The study's work inside its run folder (a seam: tests replace it to stop right here)."""
    study.run(ctx)


@dataclass
class ReportContent:
    """What a run's report holds, built from the run folder alone (page, export, API)."""

    title: str
    subtitle: str
    sections: list
    config: dict  # config.yaml as written
    environment: dict


def report_content(run: RunDir) -> ReportContent:
    raw = runs.check_run(run)
    config = cfgmod.study_from_dict(raw, source=str(run.config))
    study = get_study(config.study)
    environment = runs.read_json(run.environment) if run.environment.is_file() else {}
    sections = study.sections(run, config)
    from genlab.experiments import run_metrics, verdicts

    tested = verdicts.section(config.comparisons, [run_metrics.read_run(run.path)])
    if tested:  # after the overview: whether each difference the page shows is real
        sections.insert(min(1, len(sections)), tested)
    subtitle = f"{study.title} · run folder {run.path.name} · seed {config.seed}"
    return ReportContent(config.title or study.title, subtitle, sections, raw, environment)


def build_report(run: RunDir, linked_images: bool = False) -> Path:
    """report.html from the files in the run folder (config.yaml, metrics, figures)."""
    from genlab.report import page

    c = report_content(run)
    return page.write(run.path, c.title, c.sections, c.config, c.environment, c.subtitle, linked_images)


def headline(run: RunDir) -> str:
    """The terminal's summary of a finished run: each model's main number and training time."""
    from genlab.experiments import run_metrics

    record = run_metrics.read_run(run.path)
    lines = ["genlab: results (one seed; the report says which differences are tested):"]
    width = max((len(record.title(m)) for m in record.models), default=5)
    for model in record.models:
        summary = record.per_model.get(model, {}).get("summary", {})
        seconds = summary.get("train_time_s", summary.get("wall_s"))
        shown = [f"{label} {v:.4g}" for metric, label in run_metrics.HEADLINES
                 if (v := run_metrics.value(record, metric, model)) is not None]
        time_text = f"trained in {seconds:.{1 if seconds < 10 else 0}f} s" if isinstance(seconds, (int, float)) else ""
        lines.append(f"  {record.title(model):<{width}}  {', '.join(shown) or '—':<34} {time_text}")
    return "\n".join(lines)


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
        if not getattr(ctx.runtime, "keep_checkpoints", False):  # final.pt holds the weights; epochs were for resuming
            checkpoint.remove_all(ctx.run.model(spec.name).checkpoints)
    return summaries

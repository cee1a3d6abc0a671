"""Run a study into a run folder, and (re)build its report, terminal summary and exported
tables from that folder alone."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from genlab import atomic, interrupts
from genlab import config as cfgmod
from genlab import registry, run_record, runs, tracking
from genlab.config import StudyConfig
from genlab.errors import GenlabError
from genlab.report.verdicts import section as verdict_section  # moves below studies once verdicts settle
from genlab.report import findings
from genlab.report.export import epoch_table, render, slug
from genlab.report.page import Table
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
    interrupts.check()  # a signal during the imports above whose KeyboardInterrupt a library swallowed
    run = prepare(out, cfgmod.to_dict(config), runtime.resume)
    try:
        print(f"genlab: run folder {run.path}", file=sys.stderr)
        execute(study, StudyContext(config=config, run=run, runtime=runtime, options=options))
        record_reproducibility(run.path)  # environment.json: would this seed give these bits again?
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
        run_id = tracking.log_run(run.path)
        print(f"genlab: logged to MLflow ({tracking.tracking_uri()}) as run {run_id}; see it with `{tracking.ui_command()}`",
              file=sys.stderr)
    return run


def record_reproducibility(run_path: Path) -> dict:
    """environment.json's "reproducible" (shown on the page): would this seed give these bits
    again on this machine? True only if every trained model says so (summary.json, written
    by the trainer: engine/threads.py decides which models may change threads mid-run)."""
    models = {}
    for summary in sorted(Path(run_path).glob("models/*/summary.json")):
        try:
            rep = json.loads(summary.read_text()).get("reproducible")
        except (OSError, ValueError):
            rep = None
        if isinstance(rep, dict):
            models[summary.parent.name] = rep
    record = {"bit_reproducible": bool(models) and all(r.get("bit_reproducible") for r in models.values()),
              "models": {name: {"bit_reproducible": bool(r.get("bit_reproducible")), "why": r.get("why", ""),
                                "threads": r.get("threads", [])} for name, r in models.items()}}
    path = Path(run_path) / "environment.json"
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        info = {}
    if isinstance(info, dict) and info.get("reproducible") != record:
        atomic.write_json(path, {**info, "reproducible": record})
    return record


def check_study(config: StudyConfig, runtime: Runtime):
    """Every check of a study that needs no training: device, data, models (built on the meta
    device for the data's shape), the study's own settings and preflight. Returns (study, settings)."""
    for spec in config.models:  # torch-free, before the study's imports: a typo is answered in milliseconds
        if spec.model in registry.models():
            registry.check_params(spec.model, spec.params)
    study = get_study(config.study)
    from genlab.engine.device import gpu_list, select_device

    if gpu_list(runtime.device) and not getattr(study, "multi_gpu", False):  # before the data is read
        raise GenlabError(f"--device {runtime.device}: several GPUs are for the kitti study (ultralytics' DDP); the "
                          f"{config.study} study trains on one device — to use several GPUs, run seeds in "
                          "parallel: --seeds N (one trial per GPU)")
    study.check_models(config)
    device = select_device(runtime.device)  # --device cuda without a GPU: refused before anything is written
    _check_step_device(config, device)
    options = study.settings(config)
    study.preflight(config)
    if hasattr(study, "check_memory"):  # a batch the machine cannot hold: refused, not OOM-killed
        study.check_memory(config, device)
    return study, options


def _check_step_device(config: StudyConfig, device) -> None:
    """train.step=cuda_graph asks for a CUDA graph (engine/cuda_graph.py): a CUDA device only."""
    graphed = [spec.name for spec in config.models if spec.train.step == "cuda_graph"]
    if graphed and device.type != "cuda":
        raise GenlabError(f"models.{graphed[0]}.train.step=cuda_graph needs a CUDA GPU, but this run trains on "
                          f"{device.type}; use train.step=auto or eager, or --device cuda")


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
    findings: object = None  # the Section that opens the page (genlab.report.findings)
    banner: str = ""  # a quick run says so above everything


def report_content(run: RunDir) -> ReportContent:
    raw = runs.check_run(run)
    config = cfgmod.study_from_dict(raw, source=str(run.config))
    study = get_study(config.study)
    environment = runs.read_json(run.environment) if run.environment.is_file() else {}
    sections = study.sections(run, config)
    record = run_record.read_run(run.path)
    tested = verdict_section(config.comparisons, [record])
    if tested:  # after the overview: whether each difference the page shows is real
        sections.insert(min(1, len(sections)), tested)
    facts = page_facts(study, config, [record])
    findings.strip_repeated(sections, findings.caveats(facts))
    subtitle = f"run folder {run.path.name} · seed {config.seed}" + (" · quick settings" if config.quick_run else "")
    dataset = (run.read_metrics().get("data") or {}).get("title")
    title = (config.title or study.title) + (f", on {dataset}" if dataset else "")
    return ReportContent(title, subtitle, sections, raw, environment, findings.section(facts),
                         findings.banner(config.quick_run, config.study))


def page_facts(study, config: StudyConfig, records: list) -> findings.PageFacts:
    """What a page's findings are computed from: the study's headlines, source and caveat, the runs."""
    caveat = study.caveat(records[0].config, records[0].metrics) if records else ""
    return findings.PageFacts(config.study, records, list(study.headlines), list(config.comparisons),
                              getattr(study, "source", ""), config.quick_run, [caveat] if caveat else [])


def build_report(run: RunDir, linked_images: bool = False) -> Path:
    """report.html from the files in the run folder (config.yaml, metrics, figures)."""
    from genlab.report import page

    c = report_content(run)
    return page.write(run.path, c.title, c.sections, c.config, c.environment, c.subtitle, linked_images,
                      c.banner, c.findings)


def headline(run: RunDir) -> str:
    """The terminal's summary of a finished run: each model's main number and training time."""
    record = run_record.read_run(run.path)
    headlines = get_study(record.config.get("study", "")).headlines
    lines = ["genlab: results (one seed; the report says which differences are tested):"]
    width = max((len(record.title(m)) for m in record.models), default=5)
    for model in record.models:
        summary = record.per_model.get(model, {}).get("summary", {})
        seconds = summary.get("train_time_s", summary.get("wall_s"))
        shown = [f"{label} {v:.4g}" for metric, label in headlines
                 if (v := run_record.value(record, metric, model)) is not None]
        time_text = f"trained in {seconds:.{1 if seconds < 10 else 0}f} s" if isinstance(seconds, (int, float)) else ""
        lines.append(f"  {record.title(model):<{width}}  {', '.join(shown) or '—':<34} {time_text}")
    return "\n".join(lines)


def export_run(run_path: Path, fmt_name: str, out: Path) -> list[Path]:
    """`genlab export RUN --format csv|md|tex`: every table of the run's report and every model's
    per-epoch metrics as files, through the same sections the report renders."""
    run = RunDir(Path(run_path))
    content = report_content(run)
    written = []
    for i, section in enumerate(content.sections, 1):
        tables = [b for b in section.blocks if isinstance(b, Table)]
        for j, table in enumerate(tables, 1):
            suffix = f"_{j}" if len(tables) > 1 else ""
            written.append(atomic.write_text(out / f"{i:02d}_{slug(section.title)}{suffix}.{fmt_name}",
                                             render(table, fmt_name)))
    for spec in content.config.get("models", []):
        model = run.model(spec["name"])
        records = model.read_metrics() if model.metrics.is_file() else []
        if records:
            written.append(atomic.write_text(out / f"epochs_{spec['name']}.{fmt_name}",
                                             render(epoch_table(records), fmt_name)))
    return written

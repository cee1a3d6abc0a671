"""Run the KITTI study: data, trainings (in dependency order), evaluation, figures.

Everything lands in the run folder:
    data/target/           YOLO layout of the evaluated data (+ kitti_labels/ for the KITTI eval)
    data/synth_target/     synthetic KITTI scenes (only when no data.root was given)
    data/pretrain/         synthetic pretraining set (only when a model uses params.data: pretrain)
    models/NAME/ultralytics/   ultralytics' own outputs (args.yaml, results.csv, weights/)
    models/NAME/final.pt   the last-epoch weights (equal epochs: we never pick "best" on test)
    models/NAME/summary.json, models/NAME/eval/metrics.json
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from genlab import atomic
from genlab.config import ModelSpec, StudyConfig
from genlab.detect import convert, figures, score_detector, synth, train_recipe, yolo
from genlab.detect.options import SECTION, KittiSettings, YoloParams, model_params
from genlab.errors import GenlabError
from genlab.runs import RunDir


def log(message: str) -> None:
    print(f"genlab: kitti: {message}", file=sys.stderr, flush=True)


def validate(cfg: StudyConfig, settings: KittiSettings) -> dict[str, YoloParams]:
    """Fail on a bad study file or data root before any work is done."""
    params = {spec.name: model_params(spec) for spec in cfg.models}
    for spec in cfg.models:
        train_recipe.check_train(spec)
    _check_order(cfg.models, params)
    _check_weight_files(params)
    if not 0 < settings.split < 1:  # before the scenes are written, naming this study's own key
        raise GenlabError(f"analysis.split must be between 0 and 1 (the training fraction), got {settings.split}")
    convert.check_classes(settings.classes)
    synth.SynthOptions(n=settings.synth_n, width=synth.parse_size(settings.synth_size)[0],
                       height=synth.parse_size(settings.synth_size)[1], style=settings.target_style)
    synth.SynthOptions(n=settings.synth_pretrain_n, style=settings.pretrain_style)
    if cfg.data.root:
        from genlab.detect.kitti_format import find_samples

        find_samples(Path(cfg.data.root))
    return params


def run(cfg: StudyConfig, run: RunDir, settings: KittiSettings, device: str = "auto", resume: bool = False) -> dict:
    params = validate(cfg, settings)
    order = cfg.models
    results = run.read_metrics().get(SECTION, {}) if resume else {}
    start = time.perf_counter()
    data = results.get("data") or prepare_target(cfg, run, settings)
    if any(p.data == "pretrain" for p in params.values()) and "pretrain" not in data:
        data["pretrain"] = prepare_pretrain(cfg, run, settings)
    results["data"] = data
    results.setdefault("data_wall_s", time.perf_counter() - start)
    results.setdefault("models", {})
    run.update_metrics(SECTION, results)
    for spec in order:
        results["models"][spec.name] = summary = train_and_evaluate(spec, params[spec.name], cfg, run, data, device)
        if params[spec.name].data == "pretrain":
            data["pretrain"]["final_val"] = last_epoch_metrics(Path(summary["ultralytics_dir"]))
        run.update_metrics(SECTION, results)
    draw(run, cfg, settings, results)
    # the whole study in this process (a resumed run counts only what it did itself)
    results["study_wall_s"] = time.perf_counter() - start
    results["resumed"] = resume
    run.update_metrics(SECTION, results)
    log(f"done in {results['study_wall_s']:.0f} s")
    return results


def _check_order(models: list[ModelSpec], params: dict[str, YoloParams]) -> list[ModelSpec]:
    """Models in file order; a `model:NAME` reference must name an earlier model."""
    seen = set()
    for spec in models:
        ref = params[spec.name].weights
        if ref and ref.startswith("model:") and ref[6:] not in seen:
            raise GenlabError(f"models.{spec.name}.params.weights={ref!r}: list model {ref[6:]!r} before {spec.name!r} "
                              f"(known so far: {', '.join(sorted(seen)) or 'none'})")
        seen.add(spec.name)
    if not models:
        raise GenlabError("the kitti study needs at least one model under models:")
    return models


def _check_weight_files(params: dict[str, YoloParams]) -> None:
    """A weights path that is not there is refused before any work (it used to fail after
    pretraining); a bare ultralytics name (yolov5su.pt) is left to ultralytics to fetch."""
    for name, p in params.items():
        ref = p.weights
        if not ref or ref.startswith("model:") or Path(ref).is_file():
            continue
        if "/" in ref or os.sep in ref or not ref.endswith(".pt"):
            raise GenlabError(f"models.{name}.params.weights={ref!r}: no such file; give a checkpoint (.pt) that "
                              "exists, an ultralytics name such as yolov5su.pt, model:NAME, or null (from scratch)")


# ---------------------------------------------------------------- data

def prepare_target(cfg: StudyConfig, run: RunDir, settings: KittiSettings) -> dict:
    out = run.path / "data" / "target"
    if cfg.data.root:
        log(f"converting KITTI from {cfg.data.root}")
        converted = _fresh_convert(Path(cfg.data.root), out, settings, cfg.seed)
        return {"synthetic": False, "source": str(Path(cfg.data.root).resolve()), **_describe(converted, settings.split)}
    width, height = synth.parse_size(settings.synth_size)
    raw = run.path / "data" / "synth_target"
    log(f"no data.root given: writing {settings.synth_n} synthetic KITTI scenes ({settings.target_style}) to {raw}")
    synth.write_dataset(raw, synth.SynthOptions(n=settings.synth_n, seed=cfg.seed, width=width, height=height,
                                                style=settings.target_style))
    converted = _fresh_convert(raw, out, settings, cfg.seed)
    return {"synthetic": True, "source": str(raw), "style": settings.target_style, "size": settings.synth_size,
            **_describe(converted, settings.split)}


def prepare_pretrain(cfg: StudyConfig, run: RunDir, settings: KittiSettings) -> dict:
    width, height = synth.parse_size(settings.synth_size)
    raw = run.path / "data" / "synth_pretrain"
    log(f"writing {settings.synth_pretrain_n} synthetic pretraining scenes ({settings.pretrain_style}) to {raw}")
    # another seed and another style: no scene is shared with the target data
    synth.write_dataset(raw, synth.SynthOptions(n=settings.synth_pretrain_n, seed=cfg.seed + 1000, width=width,
                                                height=height, style=settings.pretrain_style))
    converted = _fresh_convert(raw, run.path / "data" / "pretrain", settings, cfg.seed)
    return {"synthetic": True, "source": str(raw), "style": settings.pretrain_style, "size": settings.synth_size,
            **_describe(converted, settings.split)}


def _fresh_convert(root: Path, out: Path, settings: KittiSettings, seed: int) -> convert.Converted:
    if out.exists():  # a half-written conversion of an interrupted run: redo it
        import shutil

        shutil.rmtree(out)
    return convert.convert(root, out, settings.classes, settings.split, seed)


def _describe(c: convert.Converted, split: float) -> dict:
    return {"dir": str(c.out), "yaml": str(c.yaml), "classes": c.classes, "images": c.counts, "boxes": c.objects,
            "split": split}


# ---------------------------------------------------------------- models

def train_and_evaluate(spec: ModelSpec, p: YoloParams, cfg: StudyConfig, run: RunDir, data: dict, device: str) -> dict:
    mdir = run.model(spec.name)
    if mdir.is_done():
        log(f"{spec.name}: already trained, reusing {mdir.final}")
        summary = mdir.read_summary()
    else:
        summary = _train(spec, p, cfg, run, data, device)
    if p.data == "target" and not (mdir.path / "eval" / "metrics.json").is_file():
        log(f"{spec.name}: evaluating on {data['images']['test']} test images")
        start = time.perf_counter()
        score_detector.evaluate_model(mdir.final, Path(data["dir"]), mdir.path / "eval", p.imgsz, device)
        summary["eval_wall_s"] = time.perf_counter() - start
        atomic.write_json(mdir.summary, summary)
    return summary


def _train(spec: ModelSpec, p: YoloParams, cfg: StudyConfig, run: RunDir, data: dict, device: str) -> dict:
    dataset = data["pretrain"] if p.data == "pretrain" else data
    weights, origin = _weights(p.weights, run)
    hyper = train_recipe.ultralytics_args(spec, p, cfg.seed)
    log(f"{spec.name}: training {spec.train.epochs} epoch(s) at imgsz {p.imgsz} from {origin}")
    mdir = run.model(spec.name)
    result = yolo.train(yolo.TrainArgs(data=Path(dataset["yaml"]), project=mdir.path, hyper=hyper, device=device,
                                       weights=weights, cfg=p.cfg, tensorboard=spec.train.tensorboard))
    convert.link(Path(result["last"]), mdir.final)  # a hard link: one copy of the last epoch's weights
    Path(result["best"]).unlink(missing_ok=True)  # never used (we report the last epoch): a second 18 MB copy
    summary = {"name": spec.name, "title": spec.title, "epochs": spec.train.epochs, "imgsz": p.imgsz,
               "batch": spec.train.batch_size, "lr0": spec.train.lr, "optimizer": hyper["optimizer"],
               "schedule": spec.train.schedule, "rect": p.rect,
               "accumulate": train_recipe.accumulation(spec.train.batch_size, p.nominal_batch,
                                                     dataset["images"]["train"], spec.train.epochs),
               "weights_from": origin, "weights_model": p.weights[6:] if (p.weights or "").startswith("model:") else None,
               "cfg": p.cfg if weights is None else None, "dataset": p.data,
               "train_images": dataset["images"]["train"], "wall_s": result["wall_s"], "device": result["device"],
               "ultralytics_dir": result["save_dir"], "ultralytics_args": hyper, "tensorboard": spec.train.tensorboard}
    atomic.write_json(mdir.summary, summary)
    log(f"{spec.name}: trained in {result['wall_s']:.0f} s")
    return summary


def last_epoch_metrics(ultralytics_dir: Path) -> dict:
    """The validator's numbers after the last epoch, from ultralytics' results.csv."""
    cols = figures.read_results(ultralytics_dir / "results.csv")
    keys = {"precision": "metrics/precision(B)", "recall": "metrics/recall(B)", "map50": "metrics/mAP50(B)",
            "map50_95": "metrics/mAP50-95(B)"}
    return {k: cols[v][-1] for k, v in keys.items() if cols.get(v)}


def _weights(ref: str | None, run: RunDir) -> tuple[str | None, str]:
    """(what ultralytics loads, a sentence for the report)."""
    if ref is None:
        return None, "scratch (random initialisation)"
    if ref.startswith("model:"):
        final = run.model(ref[6:]).final
        return str(final), f"weights of model {ref[6:]!r} of this run ({final.relative_to(run.path)})"
    return ref, f"checkpoint {ref}"


# ---------------------------------------------------------------- figures

def draw(run: RunDir, cfg: StudyConfig, settings: KittiSettings, results: dict) -> None:
    evaluated = {s.name: s for s in cfg.models if (run.model(s.name).path / "eval" / "metrics.json").is_file()}
    curves = {s.title: figures.read_results(Path(results["models"][n]["ultralytics_dir"]) / "results.csv")
              for n, s in evaluated.items()}
    figures.training_curves(run.figure("kitti_training_curves"), curves)
    figures.metric_curves(run.figure("kitti_metric_curves"), curves)
    evals = {s.title: _read_eval(run, n) for n, s in evaluated.items()}
    figures.pr_curves(run.figure("kitti_pr_curves"), {t: e["pr_curve"] for t, e in evals.items()})
    for cls in results["data"]["classes"]:
        aps = {t: e["kitti"][cls]["ap_r40"] for t, e in evals.items() if cls in e["kitti"]}
        if aps:
            figures.kitti_bars(run.figure(f"kitti_ap_{cls.lower()}"), aps, cls)
    _draw_predictions(run, results, settings, evals)


def _read_eval(run: RunDir, name: str) -> dict:
    import json

    return json.loads((run.model(name).path / "eval" / "metrics.json").read_text())


def _draw_predictions(run: RunDir, results: dict, settings: KittiSettings, evals: dict[str, dict]) -> None:
    from genlab.detect.coco_eval import load_predictions
    from genlab.detect.kitti_format import read_labels

    dataset = Path(results["data"]["dir"])
    images = sorted((dataset / "images" / "test").iterdir())[: settings.draw_images]
    if not images or not evals:
        return
    classes = results["data"]["classes"]
    gt = {im.stem: [o.bbox for o in read_labels(dataset / "kitti_labels" / "test" / f"{im.stem}.txt") if o.type in classes]
          for im in images}
    preds = {}
    for title, e in evals.items():
        per_image: dict[str, list] = {}
        for p in load_predictions(Path(e["predictions"])):
            x, y, w, h = p["bbox"]
            per_image.setdefault(Path(p["file_name"]).stem, []).append((x, y, x + w, y + h, p["score"]))
        preds[title] = per_image
    figures.predictions_grid(run.figure("kitti_predictions"), images, gt, preds, settings.draw_conf)

"""The KITTI study's report sections, built from the run folder alone."""
from __future__ import annotations

import json

from genlab.config import StudyConfig
from genlab.detect.options import REPORTED, SECTION, Options
from genlab.report.page import Figure, Section, Table, Text, fmt
from genlab.runs import RunDir

METRICS = (("precision", "Precision"), ("recall", "Recall"), ("map50", "mAP@0.5"), ("map50_95", "mAP@0.5:0.95"))


def sections(run: RunDir, config: StudyConfig, options: Options) -> list[Section]:
    results = run.read_metrics().get(SECTION)
    if not results:
        return [Section("Study 3 — no results", [Text("This run folder holds no KITTI results yet (interrupted "
                                                       "before any model finished?). Rerun with --resume.", note=True)])]
    evals = _evals(run, config)
    return [_what_was_run(results, config),
            _comparison(results, evals, config),
            _cross_check(evals, config),
            _kitti(run, results, evals, config),
            _curves(), _times(results, config)]


def _evals(run: RunDir, config: StudyConfig) -> dict[str, dict]:
    out = {}
    for spec in config.models:
        path = run.model(spec.name).path / "eval" / "metrics.json"
        if path.is_file():
            out[spec.name] = json.loads(path.read_text())
    return out


def _what_was_run(results: dict, config: StudyConfig) -> Section:
    data = results["data"]
    classes = ", ".join(data["classes"])
    if data["synthetic"]:
        source = (f"SYNTHETIC KITTI-format scenes, not KITTI: no data.root was given, so genlab generated "
                  f"{data['images']['train'] + data['images']['test']} scenes of style '{data['style']}' at "
                  f"{data['size']} pixels into the run folder ({data['source']}). The numbers below are therefore "
                  "NOT comparable with the report's, which were measured on real KITTI images; they show the method "
                  "and the comparison. Run with --set data.root=KITTI_ROOT for real data.")
    else:
        source = f"Real KITTI images from {data['source']}."
    lines = [source, f"Classes kept: {classes} (only images containing them, as the report's Car-only copy). Split "
             f"{data['images']['train']} train / {data['images']['test']} test images (seeded). All models are "
             "evaluated on the same test images, with their last-epoch weights (no model selection on test)."]
    if "pretrain" in data:
        pre = data["pretrain"]
        lines.append(f"Pretraining data: {pre['images']['train']} synthetic scenes of another style "
                     f"('{pre['style']}': other sky, ground, car colours and texture), generated with another seed. "
                     "No pretrained weights can be downloaded on this machine, so transfer learning is shown by "
                     "pretraining YOLOv5s on this set first; that pretraining's time is counted below.")
        own = pre.get("final_val")
        if own:
            lines.append(f"The pretraining run (itself a training from random initialisation), validated on held-out "
                         f"'{pre['style']}' scenes after its last epoch (ultralytics): "
                         f"P {fmt(own.get('precision'))}, R {fmt(own.get('recall'))}, mAP@0.5 {fmt(own.get('map50'))}, "
                         f"mAP@0.5:0.95 {fmt(own.get('map50_95'))}.")
    for name, summary in results.get("models", {}).items():
        lines.append(f"{summary.get('title', name)}: {summary.get('epochs')} epoch(s) on the "
                     f"{'pretraining' if summary.get('dataset') == 'pretrain' else 'target'} data, starting from "
                     f"{summary.get('weights_from')}; imgsz {summary.get('imgsz')}, batch {summary.get('batch')}, "
                     f"{summary.get('optimizer')} lr0 {summary.get('lr0')}, "
                     f"{'wide letterboxed batches (rect, no mosaic)' if summary.get('rect') else 'square mosaics'}, "
                     f"device {summary.get('device')}.")
    lines.append("Detector: ultralytics' yolov5s.yaml. Current ultralytics builds it as YOLOv5s with its anchor-free "
                 "detection head (the 'yolov5su' variant), not the anchor-based head of the original YOLOv5 repository "
                 "the report used; backbone and neck are YOLOv5s's.")
    return Section("Study 3 — what was run", [Text("\n\n".join(lines))])


def _role(name: str) -> str | None:
    return "transfer" if "transfer" in name else "scratch" if "scratch" in name else None


def _comparison(results: dict, evals: dict[str, dict], config: StudyConfig) -> Section:
    header = ["Metric"]
    cols = []
    for role in ("transfer", "scratch"):
        header.append(f"reported {role}")
        cols.append(REPORTED[role])
        for name, e in evals.items():
            if _role(name) == role:
                header.append(f"ours: {config.model(name).title}")
                cols.append(e["ultralytics"])
    for name, e in evals.items():
        if _role(name) is None:
            header.append(f"ours: {config.model(name).title}")
            cols.append(e["ultralytics"])
    rows = [[label] + [c.get(key) for c in cols] for key, label in METRICS]
    blocks = [Table(header, rows, caption="Test-set detection metrics (ultralytics' validator: P and R at the "
                                          "confidence of best F1, mAP over all confidences)")]
    verdict = _verdict(evals)
    if verdict:
        blocks.append(Text(verdict))
    return Section("Results beside the report (table 6)", blocks)


def _verdict(evals: dict[str, dict]) -> str:
    by_role = {_role(n): e["ultralytics"] for n, e in evals.items() if _role(n)}
    if {"transfer", "scratch"} - set(by_role):
        return ""
    t, s = by_role["transfer"]["map50_95"], by_role["scratch"]["map50_95"]
    word = "beats" if t > s else "does not beat"
    text = (f"At equal epochs on the target data, transfer learning {word} training from scratch on mAP@0.5:0.95 "
            f"({fmt(t)} vs {fmt(s)}); the report also found transfer ahead (0.3 vs 0.25).")
    if s < 0.01:
        text += (" Here the scratch model has not yet started to find cars: a randomly initialised YOLOv5s needs many "
                 "more optimiser steps than this short budget gives (its losses do fall, see the training curves), "
                 "while the transferred one starts from features that already detect cars in another style.")
    return text


def _cross_check(evals: dict[str, dict], config: StudyConfig) -> Section:
    rows = []
    for name, e in evals.items():
        u, c, d = e["ultralytics"], e["coco"], e["coco_minus_ultralytics"]
        mid = e.get("ultralytics_formula_on_export", {})
        rows.append([config.model(name).title, u["map50"], c["map50"], d["map50"],
                     u["map50_95"], mid.get("map50_95"), c["map50_95"], d["map50_95"]])
    table = Table(["Model", "mAP@0.5 validator", "mAP@0.5 COCO", "diff", "mAP@0.5:0.95 validator",
                   "mAP@0.5:0.95 ultralytics formula on exported boxes", "mAP@0.5:0.95 COCO", "diff (COCO - validator)"],
                  rows, caption="ultralytics' validator vs its exported predictions re-scored with faster-coco-eval")
    worst = max((abs(e["coco_minus_ultralytics"]["map50_95"]) for e in evals.values()), default=0.0)
    text = ("The COCO columns score the validator's own exported predictions (predictions.json: confidence >= 0.001, "
            "up to 300 per image, boxes in original image pixels) against ground truth rebuilt from the label files. "
            f"Largest |diff| of mAP@0.5:0.95: {fmt(worst)}" + (" — within 0.02." if worst <= 0.02 else " — above 0.02."))
    text += ("\n\nWhere the difference comes from: the middle column applies ultralytics' own matching and AP formula "
             "(ap_per_class) to the exported boxes. Validator → middle column is the boxes: the validator scores "
             "predictions in its letterboxed input space, not clipped to the image, while the exported boxes are scaled "
             "back and clipped to the image, which raises the IoU of cars cut by the image border (many here). Middle "
             "column → COCO is the formula: ultralytics integrates a linearly interpolated PR envelope, COCO averages "
             "the envelope at 101 recall points.")
    return Section("COCO-style cross-check", [table, Text(text)])


def _kitti(run: RunDir, results: dict, evals: dict[str, dict], config: StudyConfig) -> Section:
    blocks = []
    for cls in results["data"]["classes"]:
        rows = []
        for name, e in evals.items():
            k = e["kitti"].get(cls)
            if k:
                rows.append([config.model(name).title] + [k["ap_r40"][d] for d in ("easy", "moderate", "hard")]
                            + [k["n_gt"][d] for d in ("easy", "moderate", "hard")])
        if not rows:
            continue
        iou = next(iter(evals.values()))["kitti"][cls]["min_iou"]
        blocks.append(Table(["Model", "Easy AP", "Moderate AP", "Hard AP", "# Easy", "# Moderate", "# Hard"], rows,
                            caption=f"Official KITTI 2-D evaluation, {cls}, IoU > {iou}, AP over 40 recall positions"))
        blocks.append(Figure(f"figures/kitti_ap_{cls.lower()}.png", f"KITTI AP (R40) per difficulty, {cls}"))
    blocks.append(Text("Difficulties as the KITTI devkit: Easy = box height > 40 px, fully visible, truncation <= 0.15; "
                       "Moderate = height > 25 px, occlusion <= partly, truncation <= 0.3; Hard = height > 25 px, "
                       "occlusion <= largely, truncation <= 0.5 (each includes the easier ones). DontCare regions and "
                       "the neighbouring class (Van for Car, Person_sitting for Pedestrian) are ignored; detections lower "
                       "than the minimum height are ignored. AP is in [0, 1] (the leaderboard shows x100).\n\n"
                       "KITTI AP can exceed COCO mAP@0.5 although its IoU threshold is stricter: COCO counts every "
                       "labelled car, including the tiny, heavily occluded and truncated ones that KITTI ignores. With "
                       "few objects per difficulty the 40 recall positions are coarse, so Easy can come out below "
                       "Moderate."))
    return Section("KITTI official evaluation (Easy / Moderate / Hard)", blocks)


def _curves() -> Section:
    return Section("Curves and predictions", [
        Figure("figures/kitti_training_curves.png", "Training curves per epoch (from ultralytics' results.csv)"),
        Figure("figures/kitti_pr_curves.png", "Precision-recall curves at IoU 0.5 on the test split (COCO-style)"),
        Figure("figures/kitti_predictions.png", "Test images: ground truth dashed green, detections red (score shown)"),
    ])


def _times(results: dict, config: StudyConfig) -> Section:
    rows, total = [], 0.0
    for name, s in results.get("models", {}).items():
        total += s.get("wall_s", 0) + s.get("eval_wall_s", 0)
        rows.append([s.get("title", name), s.get("epochs"), s.get("train_images"), s.get("wall_s"), s.get("eval_wall_s"),
                     s.get("device")])
    rows.append(["total (training + evaluation)", None, None, total, None, None])
    rows.append(["data preparation (synthesis / conversion)", None, None, results.get("data_wall_s"), None, None])
    rows.append(["whole study, incl. figures" + (" (this resumed part)" if results.get("resumed") else ""),
                 None, None, results.get("study_wall_s"), None, None])
    return Section("Wall time", [Table(["Model", "Epochs", "Train images", "Training s", "Evaluation s", "Device"], rows,
                                       caption="Wall-clock seconds of each phase")])

"""COCO-style cross-check: the validator's own exported predictions scored by
faster-coco-eval against ground truth rebuilt from the YOLO label files.

Both sides see the same boxes, so any difference is the metric itself: ultralytics
matches predictions to ground truth per IoU threshold by IoU (not by score order) and
interpolates its PR curve differently from COCO's 101-point, score-ordered greedy
matching. Small differences (~0.01) are expected; large ones mean a bug.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from genlab.errors import GenlabError

MAX_DETS = 300  # the same cap as ultralytics' validator (COCO's default is 100)


def ground_truth(dataset_dir: Path, split: str, classes: list[str]) -> dict:
    """COCO ground truth (pixel xywh) from images/{split} and labels/{split}."""
    dataset_dir = Path(dataset_dir)
    images, annotations = [], []
    for k, image in enumerate(sorted((dataset_dir / "images" / split).iterdir())):
        with Image.open(image) as im:
            width, height = im.size
        images.append({"id": image_id(image), "file_name": image.name, "width": width, "height": height})
        label = dataset_dir / "labels" / split / f"{image.stem}.txt"
        for line in (label.read_text().splitlines() if label.is_file() else []):
            c, cx, cy, w, h = (float(v) for v in line.split())
            bw, bh = w * width, h * height
            annotations.append({"id": len(annotations) + 1, "image_id": images[-1]["id"], "category_id": int(c) + 1,
                                "bbox": [cx * width - bw / 2, cy * height - bh / 2, bw, bh], "area": bw * bh, "iscrowd": 0})
    categories = [{"id": i + 1, "name": name} for i, name in enumerate(classes)]
    return {"images": images, "annotations": annotations, "categories": categories}


def image_id(path: Path):
    """The id ultralytics writes into predictions.json for this image."""
    stem = Path(path).stem
    return int(stem) if stem.isnumeric() else stem


def load_predictions(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise GenlabError(f"predictions file {path} is missing; rerun the evaluation (`genlab detect eval RUN`)")
    return json.loads(path.read_text())


def evaluate(gt: dict, predictions: list[dict]) -> dict:
    """mAP@0.5:0.95, mAP@0.5 and the precision-recall curve at IoU 0.5 (101 recall points)."""
    from faster_coco_eval import COCO, COCOeval_faster

    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(gt)
        if not predictions:
            return {"map50_95": 0.0, "map50": 0.0, "pr_recall": [], "pr_precision": []}
        coco_dt = coco_gt.loadRes(predictions)
        ev = COCOeval_faster(coco_gt, coco_dt, "bbox", print_function=lambda *a, **k: None)
        ev.params.maxDets = [1, 10, MAX_DETS]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    precision = np.asarray(ev.eval["precision"])  # [T iou, R recall, K class, A area, M maxdets]
    at50 = precision[0, :, :, 0, -1]
    at50 = np.where(at50 < 0, np.nan, at50)
    curve = np.nanmean(at50, axis=1) if at50.size else np.array([])
    return {"map50_95": float(ev.stats[0]), "map50": float(ev.stats[1]),
            "pr_recall": [float(r) for r in ev.params.recThrs], "pr_precision": [float(p) for p in np.nan_to_num(curve)]}


def ultralytics_formula(gt: dict, predictions: list[dict]) -> dict:
    """ultralytics' own AP formula (greedy matching in score order, `ap_per_class`'s
    interpolated PR envelope) applied to the *exported* predictions. Sitting between the
    validator and COCO, it splits their difference into (a) exported vs in-validator
    boxes and (b) the AP formula."""
    from ultralytics.utils.metrics import ap_per_class

    from genlab.detect.kitti_eval import box_overlap

    iouv = np.linspace(0.5, 0.95, 10)
    by_image: dict = {}
    for p in predictions:
        by_image.setdefault(p["image_id"], []).append(p)
    tps, confs, pred_cls, target_cls = [], [], [], []
    for image in gt["images"]:
        anns = [a for a in gt["annotations"] if a["image_id"] == image["id"]]
        preds = sorted(by_image.get(image["id"], []), key=lambda p: -p["score"])[:MAX_DETS]
        target_cls += [a["category_id"] for a in anns]
        iou = box_overlap(_xyxy([a["bbox"] for a in anns]), _xyxy([p["bbox"] for p in preds]))
        same = np.array([a["category_id"] for a in anns])[:, None] == np.array([p["category_id"] for p in preds])[None, :]
        tps.append(_greedy(iou * same, iouv))
        confs += [p["score"] for p in preds]
        pred_cls += [p["category_id"] for p in preds]
    if not confs or not target_cls:
        return {"map50": 0.0, "map50_95": 0.0}
    ap = ap_per_class(np.concatenate(tps), np.array(confs), np.array(pred_cls), np.array(target_cls))[5]
    return {"map50": float(ap[:, 0].mean()), "map50_95": float(ap.mean())}


def _xyxy(boxes: list) -> np.ndarray:
    b = np.array(boxes, float).reshape(-1, 4)
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


def _greedy(iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """[gt, det] IoU → [det, T] correct, claiming each ground truth once per threshold,
    detections in descending score order (as ultralytics' validator)."""
    correct = np.zeros((iou.shape[1], len(thresholds)), bool)
    if iou.shape[0] == 0:
        return correct
    matched = np.zeros((iou.shape[0], len(thresholds)), bool)
    for j in range(iou.shape[1]):
        available = np.where(matched, 0, iou[:, j, None])
        k = available.argmax(0)
        correct[j] = available[k, range(len(thresholds))] >= thresholds
        matched[k, range(len(thresholds))] |= correct[j]
    return correct

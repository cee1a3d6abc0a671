"""Score one trained detector on the test split three ways: ultralytics' validator,
the COCO-style cross-check of its exported predictions, and the official KITTI 2-D
evaluation (Easy / Moderate / Hard, R40) against the original KITTI labels."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from genlab import atomic
from genlab.detect import coco_eval, kitti_eval, yolo
from genlab.detect.convert import read_manifest
from genlab.detect.kitti_format import KittiObject, read_labels
from genlab.errors import GenlabError

SPLIT = "test"


def kitti_frames(dataset_dir: Path, predictions: list[dict], names: dict[int, str]) -> list[kitti_eval.Frame]:
    """Pair each test image's original KITTI labels with the detections on it."""
    by_file: dict[str, list[KittiObject]] = defaultdict(list)
    for p in predictions:
        x, y, w, h = p["bbox"]
        cls = names[int(p["category_id"]) - 1]  # ultralytics writes 1-based ids for non-COCO data
        by_file[Path(p["file_name"]).stem].append(KittiObject(cls, 0, 0, -10, (x, y, x + w, y + h), score=p["score"]))
    frames = []
    for label in sorted((Path(dataset_dir) / "kitti_labels" / SPLIT).glob("*.txt")):
        frames.append(kitti_eval.Frame(read_labels(label), by_file.get(label.stem, [])))
    if not frames:
        raise GenlabError(f"{dataset_dir}/kitti_labels/{SPLIT} holds no KITTI label files; re-create the dataset with `genlab kitti convert`")
    return frames


def evaluate_model(weights: Path, dataset_dir: Path, out: Path, imgsz: int, device: str = "auto", batch: int = 16) -> dict:
    """All metrics of one model; writes out/metrics.json and keeps predictions.json."""
    dataset_dir, out = Path(dataset_dir), Path(out)
    if not Path(weights).is_file():
        raise GenlabError(f"weights {weights} are missing; train the model first (`genlab run kitti`)")
    manifest = read_manifest(dataset_dir)
    val = yolo.validate(Path(weights), dataset_dir / "dataset.yaml", imgsz, batch, device, out / "val")
    predictions = coco_eval.load_predictions(Path(val["predictions"]))
    gt = coco_eval.ground_truth(dataset_dir, SPLIT, manifest["classes"])
    coco = coco_eval.evaluate(gt, predictions)
    same_formula = coco_eval.ultralytics_formula(gt, predictions)
    names = {int(k): v for k, v in val["names"].items()}
    kitti_classes = [c for c in manifest["classes"] if c.lower() in kitti_eval.MIN_OVERLAP]
    results = kitti_eval.evaluate(kitti_frames(dataset_dir, predictions, names), kitti_classes)
    metrics = {
        "ultralytics": {k: val[k] for k in ("precision", "recall", "map50", "map50_95")},
        "coco": {"map50": coco["map50"], "map50_95": coco["map50_95"]},
        "ultralytics_formula_on_export": same_formula,
        "coco_minus_ultralytics": {"map50": coco["map50"] - val["map50"], "map50_95": coco["map50_95"] - val["map50_95"]},
        "pr_curve": {"recall": coco["pr_recall"], "precision": coco["pr_precision"]},
        "kitti": {cls: {"ap_r40": r.ap, "n_gt": r.n_gt, "min_iou": kitti_eval.MIN_OVERLAP[cls.lower()]} for cls, r in results.items()},
        "predictions": str(Path(val["predictions"]).resolve()),
        "n_test_images": len(list((dataset_dir / "images" / SPLIT).iterdir())),
    }
    atomic.write_json(out / "metrics.json", metrics)
    return metrics

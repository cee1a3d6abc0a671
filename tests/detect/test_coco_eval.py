"""COCO-style mAP of the cross-check against hand-computed cases."""
from __future__ import annotations

import pytest

from genlab.detect.coco_eval import evaluate


def _gt(boxes):
    return {"images": [{"id": 1, "file_name": "1.png", "width": 400, "height": 200}],
            "annotations": [{"id": i + 1, "image_id": 1, "category_id": 1, "bbox": b, "area": b[2] * b[3], "iscrowd": 0}
                            for i, b in enumerate(boxes)],
            "categories": [{"id": 1, "name": "Car"}]}


def _pred(box, score):
    return {"image_id": 1, "category_id": 1, "bbox": box, "score": score}


def test_perfect_predictions_are_map_1():
    boxes = [[10, 10, 50, 40], [200, 50, 80, 60]]
    result = evaluate(_gt(boxes), [_pred(b, 0.9) for b in boxes])
    assert result["map50"] == pytest.approx(1.0) and result["map50_95"] == pytest.approx(1.0)


def test_half_recall_is_51_of_101():
    # recall 0.5 at precision 1: the 101-point interpolation counts recall 0.00..0.50
    result = evaluate(_gt([[10, 10, 50, 40], [200, 50, 80, 60]]), [_pred([10, 10, 50, 40], 0.9)])
    assert result["map50"] == pytest.approx(51 / 101) and result["map50_95"] == pytest.approx(51 / 101)


def test_iou_between_thresholds():
    # IoU 0.8 (40x40 vs 40x50 box): matched at thresholds 0.50..0.80 (7 of 10)
    result = evaluate(_gt([[0, 0, 40, 50]]), [_pred([0, 0, 40, 40], 0.9)])
    assert result["map50"] == pytest.approx(1.0) and result["map50_95"] == pytest.approx(0.7)


def test_no_predictions():
    assert evaluate(_gt([[0, 0, 10, 10]]), [])["map50_95"] == 0.0


def test_ultralytics_formula_on_hand_cases():
    from genlab.detect.coco_eval import ultralytics_formula

    boxes = [[10, 10, 50, 40], [200, 50, 80, 60]]
    perfect = ultralytics_formula(_gt(boxes), [_pred(b, 0.9) for b in boxes])
    assert perfect["map50_95"] == pytest.approx(1.0, abs=0.01)
    # a box of IoU 0.8 is correct at 7 of the 10 thresholds; recall 0.5 everywhere else is 0
    partial = ultralytics_formula(_gt([[0, 0, 40, 50]]), [_pred([0, 0, 40, 40], 0.9)])
    assert partial["map50"] == pytest.approx(perfect["map50"], abs=0.01)
    assert partial["map50_95"] == pytest.approx(0.7 * perfect["map50_95"], abs=0.01)

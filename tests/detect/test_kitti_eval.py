"""The official KITTI 2-D evaluation against hand-computed cases.

With R40, AP = (sum of the interpolated precision at recall positions 1..40) / 40, the
positions being score thresholds sampled from the true positives. With n_gt = 41 and
every match kept, each true positive is one threshold, which makes the cases below easy
to compute by hand.
"""
from __future__ import annotations

import pytest

from genlab.detect.kitti_eval import Frame, box_overlap, evaluate_class, thresholds
from genlab.detect.kitti_format import KittiObject

BOX = (100.0, 100.0, 200.0, 150.0)  # height 50: Easy


def obj(box=BOX, kind="Car", occ=0, trunc=0.0, score=None):
    return KittiObject(kind, trunc, occ, 0.0, box, score=score)


def perfect(n, **gt):
    return [Frame([obj(**gt)], [obj(score=0.9 - i * 0.01)]) for i in range(n)]


def ap(frames, cls="Car"):
    return evaluate_class(frames, cls).ap


def test_box_overlap_criteria():
    a, b = [[0, 0, 10, 10]], [[5, 0, 15, 10]]
    assert box_overlap(a, b)[0, 0] == pytest.approx(50 / 150)
    assert box_overlap(a, b, 0)[0, 0] == pytest.approx(0.5)
    assert box_overlap([[0, 0, 10, 10]], [[0, 0, 20, 10]], 1)[0, 0] == pytest.approx(0.5)


def test_perfect_detection_41_objects_is_ap_1():
    assert ap(perfect(41)) == {"easy": 1.0, "moderate": 1.0, "hard": 1.0}


def test_perfect_detection_40_objects_is_39_of_40():
    # 40 thresholds fill positions 0..39; position 40 stays 0 and position 0 is skipped
    assert ap(perfect(40))["easy"] == pytest.approx(39 / 40)


def test_half_recall():
    # 41 objects, 20 found: positions 0..19 have precision 1 → AP = 19/40
    frames = perfect(20) + [Frame([obj()], []) for _ in range(21)]
    assert ap(frames)["moderate"] == pytest.approx(19 / 40)


def test_iou_must_be_strictly_above_07_for_car_and_05_for_pedestrian():
    # IoU exactly 0.7 (70x50 inside 100x50): no match for Car
    exact = [Frame([obj()], [obj((100, 100, 170, 150), score=0.9)]) for _ in range(41)]
    assert ap(exact)["easy"] == 0.0
    above = [Frame([obj()], [obj((100, 100, 171, 150), score=0.9 - i * 0.01)]) for i in range(41)]
    assert ap(above)["easy"] == 1.0
    # the same 0.71 IoU boxes labelled Pedestrian pass the 0.5 threshold too; 0.5 exactly fails
    tall = (100.0, 100.0, 140.0, 200.0)
    half = [Frame([obj(tall, "Pedestrian")], [obj((100, 100, 120, 200), "Pedestrian", score=0.9)]) for _ in range(41)]
    assert ap(half, "Pedestrian")["easy"] == 0.0


def test_difficulty_filters():
    small = (100.0, 100.0, 200.0, 130.0)  # height 30: not Easy (> 40), Moderate and Hard (> 25)
    frames = [Frame([obj(small)], [obj(small, score=0.9 - i * 0.01)]) for i in range(41)]
    result = evaluate_class(frames, "Car")
    assert result.ap == {"easy": None, "moderate": 1.0, "hard": 1.0} and result.n_gt["easy"] == 0
    occluded = perfect(41, occ=1)
    assert ap(occluded) == {"easy": None, "moderate": 1.0, "hard": 1.0}
    assert ap(perfect(41, occ=2)) == {"easy": None, "moderate": None, "hard": 1.0}
    assert ap(perfect(41, trunc=0.2)) == {"easy": None, "moderate": 1.0, "hard": 1.0}
    assert ap(perfect(41, trunc=0.4)) == {"easy": None, "moderate": None, "hard": 1.0}
    # height exactly 40 is not Easy (<= is ignored), but a detection of height 25 still counts (< ignored)
    edge = (100.0, 100.0, 200.0, 140.0)
    assert evaluate_class(perfect(41, box=edge), "Car").n_gt["easy"] == 0


def test_ignored_easy_object_matched_is_not_a_false_positive():
    # each frame: one Easy car found + one occluded car (ignored in Easy) also found with a higher score
    frames = [Frame([obj(), obj((300, 100, 400, 150), occ=2)],
                    [obj(score=0.5 - i * 0.01), obj((300, 100, 400, 150), score=0.99)]) for i in range(41)]
    assert ap(frames)["easy"] == 1.0


def test_false_positives_lower_precision():
    # 41 frames: the car found (distinct scores) + one unmatched detection at 0.95 in every frame.
    # At the k-th threshold: tp = k+1, fp = 41 → after the max-suffix every position has precision 41/82.
    frames = [Frame([obj()], [obj(score=0.9 - i * 0.01), obj((400, 100, 500, 150), score=0.95)]) for i in range(41)]
    assert ap(frames)["easy"] == pytest.approx(0.5)


def test_dontcare_regions_absorb_false_positives():
    dc = KittiObject("DontCare", -1, -1, -10, (390.0, 90.0, 520.0, 160.0))
    frames = [Frame([obj(), dc], [obj(score=0.9 - i * 0.01), obj((400, 100, 500, 150), score=0.95)]) for i in range(41)]
    assert ap(frames)["easy"] == 1.0


def test_van_is_neither_hit_nor_miss_for_car():
    van = (400.0, 100.0, 500.0, 150.0)
    found = [Frame([obj(), obj(van, "Van")], [obj(score=0.9 - i * 0.01), obj(van, score=0.95)]) for i in range(41)]
    missed = [Frame([obj(), obj(van, "Van")], [obj(score=0.9 - i * 0.01)]) for i in range(41)]
    assert ap(found)["easy"] == 1.0 and ap(missed)["easy"] == 1.0
    # a Truck is another class: detecting it as Car is a false positive (same numbers as above)
    truck = [Frame([obj(), obj(van, "Truck")], [obj(score=0.9 - i * 0.01), obj(van, score=0.95)]) for i in range(41)]
    assert ap(truck)["easy"] == pytest.approx(0.5)


def test_person_sitting_ignored_for_pedestrian_and_small_detections_ignored():
    tall = (100.0, 100.0, 140.0, 200.0)
    sit = (300.0, 100.0, 340.0, 200.0)
    tiny = (500.0, 100.0, 520.0, 120.0)  # height 20 < 25: ignored in every difficulty
    frames = [Frame([obj(tall, "Pedestrian"), obj(sit, "Person_sitting")],
                    [obj(tall, "Pedestrian", score=0.9 - i * 0.01), obj(sit, "Pedestrian", score=0.95),
                     obj(tiny, "Pedestrian", score=0.97)]) for i in range(41)]
    assert ap(frames, "Pedestrian") == {"easy": 1.0, "moderate": 1.0, "hard": 1.0}


def test_threshold_sampling_matches_devkit():
    # with many objects the thresholds are subsampled to ~41 recall positions
    assert len(thresholds([1 - i / 1000 for i in range(1000)], 1000)) == 41
    assert thresholds([0.9, 0.8], 2) == [0.9, 0.8]

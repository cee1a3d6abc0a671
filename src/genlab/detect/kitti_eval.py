"""The official KITTI 2-D object evaluation (bounding boxes), written to match the
devkit's `evaluate_object.cpp` and its widely used Python port, with 40 recall
positions (R40, the current leaderboard metric).

Per class and difficulty: ground truth outside the difficulty (too small, too occluded,
too truncated) and the neighbouring class (Van for Car, Person_sitting for Pedestrian)
are *ignored*: matching them is neither a true nor a false positive. Detections lower
than the minimum height are ignored too, and unmatched detections that lie inside a
DontCare region (intersection / detection area > the IoU threshold) are not counted
as false positives. Quirks kept on purpose: IoU must be *strictly* greater than the
threshold; ground-truth heights use `<=` the minimum, detections `<`; AP skips the
recall position 0 and can be < 1 for a perfect detector with very few objects (the
score thresholds are sampled from true positives).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genlab.detect.kitti_format import KittiObject

DIFFICULTIES = ("easy", "moderate", "hard")
MIN_HEIGHT = (40, 25, 25)
MAX_OCCLUSION = (0, 1, 2)
MAX_TRUNCATION = (0.15, 0.3, 0.5)
MIN_OVERLAP = {"car": 0.7, "pedestrian": 0.5, "cyclist": 0.5}
NEIGHBOUR = {"car": "van", "pedestrian": "person_sitting"}  # counted neither as hit nor miss
N_SAMPLE_PTS = 41


@dataclass
class Frame:
    """One image: its ground truth (all KITTI types, DontCare included) and detections."""

    gt: list[KittiObject]
    dt: list[KittiObject]  # score required


def box_overlap(a: np.ndarray, b: np.ndarray, criterion: int = -1) -> np.ndarray:
    """Pairwise overlap of [N,4] and [K,4] boxes (x1 y1 x2 y2, no +1 pixel):
    criterion -1 = IoU, 0 = intersection / area of `a`, 1 = intersection / area of `b`."""
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = ((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[:, None]
    area_b = ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))[None, :]
    union = {-1: area_a + area_b - inter, 0: np.broadcast_to(area_a, inter.shape),
             1: np.broadcast_to(area_b, inter.shape)}[criterion]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


@dataclass
class Cleaned:
    ignored_gt: np.ndarray  # 0 counted, 1 ignored, -1 other class
    ignored_dt: np.ndarray
    dontcare: np.ndarray  # [D,4]
    n_valid_gt: int


def clean(frame: Frame, cls: str, difficulty: int) -> Cleaned:
    cls = cls.lower()
    ignored_gt, n_valid, dontcare = [], 0, []
    for obj in frame.gt:
        name = obj.type.lower()
        valid = 1 if name == cls else 0 if NEIGHBOUR.get(cls) == name else -1
        ignore = (obj.occluded > MAX_OCCLUSION[difficulty] or obj.truncated > MAX_TRUNCATION[difficulty]
                  or obj.height <= MIN_HEIGHT[difficulty])
        if valid == 1 and not ignore:
            ignored_gt.append(0)
            n_valid += 1
        elif valid == 0 or (ignore and valid == 1):
            ignored_gt.append(1)
        else:
            ignored_gt.append(-1)
        if name == "dontcare":
            dontcare.append(obj.bbox)
    ignored_dt = []
    for det in frame.dt:
        if det.height < MIN_HEIGHT[difficulty]:
            ignored_dt.append(1)
        else:
            ignored_dt.append(0 if det.type.lower() == cls else -1)
    return Cleaned(np.array(ignored_gt, int), np.array(ignored_dt, int), np.array(dontcare, float).reshape(-1, 4), n_valid)


@dataclass
class Boxes:
    """A frame's arrays, computed once for all difficulties and thresholds."""

    dt: np.ndarray  # [D,4]
    scores: np.ndarray
    overlaps: np.ndarray  # [det, gt] IoU

    @classmethod
    def of(cls, frame: Frame) -> "Boxes":
        gt = np.array([o.bbox for o in frame.gt], float).reshape(-1, 4)
        dt = np.array([o.bbox for o in frame.dt], float).reshape(-1, 4)
        return cls(dt, np.array([o.score for o in frame.dt], float), box_overlap(dt, gt))


def statistics(frame: Frame, c: Cleaned, min_overlap: float, thresh: float, compute_fp: bool, boxes: Boxes | None = None):
    """tp, fp, fn and (when not compute_fp) the scores of matched detections, for one frame."""
    boxes = boxes or Boxes.of(frame)
    dt_boxes, scores, overlaps = boxes.dt, boxes.scores, boxes.overlaps
    n_dt = len(frame.dt)
    assigned = np.zeros(n_dt, bool)
    below = scores < thresh if compute_fp else np.zeros(n_dt, bool)
    no_det = -10000000.0
    tp = fp = fn = 0
    matched_scores = []
    usable = (c.ignored_dt != -1) & ~below
    for i in range(len(frame.gt)):
        if c.ignored_gt[i] == -1:
            continue
        det_idx, best, max_overlap, assigned_ignored = -1, no_det, 0.0, False
        # every branch below needs overlap > min_overlap: pre-filtering keeps the order and the result
        for j in np.nonzero(usable & (overlaps[:, i] > min_overlap))[0]:
            if assigned[j]:
                continue
            overlap = overlaps[j, i]
            if not compute_fp and overlap > min_overlap and scores[j] > best:
                det_idx, best = j, scores[j]
            elif compute_fp and overlap > min_overlap and (overlap > max_overlap or assigned_ignored) and c.ignored_dt[j] == 0:
                max_overlap, det_idx, best, assigned_ignored = overlap, j, 1.0, False
            elif compute_fp and overlap > min_overlap and best == no_det and c.ignored_dt[j] == 1:
                det_idx, best, assigned_ignored = j, 1.0, True
        if best == no_det and c.ignored_gt[i] == 0:
            fn += 1
        elif best != no_det and (c.ignored_gt[i] == 1 or c.ignored_dt[det_idx] == 1):
            assigned[det_idx] = True
        elif best != no_det:
            tp += 1
            matched_scores.append(scores[det_idx])
            assigned[det_idx] = True
    if compute_fp:
        free = ~(assigned | (c.ignored_dt != 0) | below)
        fp = int(free.sum())
        if len(c.dontcare):
            dc_overlap = box_overlap(dt_boxes, c.dontcare, criterion=0)  # intersection / detection area
            in_dontcare = 0
            for d in range(len(c.dontcare)):
                for j in range(n_dt):
                    if assigned[j] or c.ignored_dt[j] != 0 or below[j]:
                        continue
                    if dc_overlap[j, d] > min_overlap:
                        assigned[j] = True
                        in_dontcare += 1
            fp -= in_dontcare
    return tp, fp, fn, matched_scores


def thresholds(scores: list[float], n_gt: int, n_sample_pts: int = N_SAMPLE_PTS) -> list[float]:
    """Score thresholds at (roughly) evenly spaced recall positions, as the devkit picks them."""
    scores = sorted(scores, reverse=True)
    current, chosen = 0.0, []
    for i, score in enumerate(scores):
        left = (i + 1) / n_gt
        right = (i + 2) / n_gt if i < len(scores) - 1 else left
        if (right - current) < (current - left) and i < len(scores) - 1:
            continue
        chosen.append(score)
        current += 1.0 / (n_sample_pts - 1.0)
    return chosen


@dataclass
class ClassResult:
    ap: dict[str, float | None]  # difficulty -> AP R40 in [0, 1]; None when no ground truth
    n_gt: dict[str, int]
    precision: dict[str, list[float]]  # the 41 interpolated precisions per difficulty
    recall: dict[str, list[float]]


def evaluate_class(frames: list[Frame], cls: str, min_overlap: float | None = None) -> ClassResult:
    min_overlap = MIN_OVERLAP.get(cls.lower(), 0.5) if min_overlap is None else min_overlap
    result = ClassResult({}, {}, {}, {})
    arrays = [Boxes.of(f) for f in frames]
    for d, name in enumerate(DIFFICULTIES):
        cleaned = [clean(f, cls, d) for f in frames]
        n_gt = sum(c.n_valid_gt for c in cleaned)
        result.n_gt[name] = n_gt
        if n_gt == 0:
            result.ap[name], result.precision[name], result.recall[name] = None, [], []
            continue
        matched = [s for f, c, b in zip(frames, cleaned, arrays) for s in statistics(f, c, min_overlap, 0.0, False, b)[3]]
        ts = thresholds(matched, n_gt)
        prec, rec = np.zeros(N_SAMPLE_PTS), np.zeros(N_SAMPLE_PTS)
        for k, t in enumerate(ts):
            tp = fp = fn = 0
            for f, c, arr in zip(frames, cleaned, arrays):
                a, b, m, _ = statistics(f, c, min_overlap, t, True, arr)
                tp, fp, fn = tp + a, fp + b, fn + m
            rec[k] = tp / (tp + fn)
            prec[k] = tp / (tp + fp)
        for k in range(len(ts)):
            prec[k] = prec[k:].max()
        result.ap[name] = float(prec[1:].sum() / (N_SAMPLE_PTS - 1))
        result.precision[name], result.recall[name] = prec.tolist(), rec.tolist()
    return result


def evaluate(frames: list[Frame], classes: list[str]) -> dict[str, ClassResult]:
    return {cls: evaluate_class(frames, cls) for cls in classes}

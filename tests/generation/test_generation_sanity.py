"""Sentences that explain odd generation metrics, computed from the numbers, with the real-data
floor beside each: a collapse (precision ≈ 1, recall ≈ 0), recall exactly 0 (noise, or samples
too alike), an Inception Score near 1, one class dominating the histogram; none for sensible
numbers. The report names the feature network behind its numbers."""
from __future__ import annotations

from genlab.analyses.generation_report import network_sentence, quality_blocks
from genlab.analyses.generation_sanity import model_notes, sanity_notes
from genlab.report.page import Text
from genlab.runs import RunDir

CLASSES = [f"c{i}" for i in range(10)]
FLOOR = {"fid": 0.071, "precision": 0.712, "recall": 0.705, "is": 8.43, "class_hist": [0.1] * 10,
         "kid": 0.0, "kid_std": 0.0, "classes_missing": 0, "sampler": "real images"}


def entry(precision=0.6, recall=0.4, is_=7.5, hist=None, title="M") -> dict:
    return {"title": title, "fid": 12.0, "kid": 0.01, "kid_std": 0.001, "precision": precision, "recall": recall,
            "is": is_, "class_hist": hist or [0.1] * 10, "classes_missing": 0, "sampler": "prior N(0, I)"}


def result(**models) -> dict:
    return {"floor": FLOOR, "models": models, "data": {"title": "Fashion-MNIST", "classes": CLASSES},
            "options": {"k": 3, "missing_share": 0.01}, "n": 1000, "seed": 0, "reference": "test set (1,000 images)",
            "feature_net": {"name": "fmnist-v1", "shipped": True, "sha256": "ab" * 32, "test_accuracy": 0.93,
                            "feature_dim": 128}}


def test_sensible_numbers_need_no_explanation():
    assert sanity_notes(result(a=entry(), b=entry(precision=0.95, recall=0.2))) == []


def test_precision_one_with_recall_zero_is_called_a_collapse_beside_the_floor():
    (note,) = sanity_notes(result(ae2=entry(precision=1.0, recall=0.0, title="AE-2")))
    assert note.startswith("AE-2: precision 1.000 with recall 0.000")
    assert "collapse" in note and "0.712" in note and "0.705" in note  # the floor beside it
    assert "exactly 0" not in note  # one explanation, not two


def test_recall_exactly_zero_is_explained_by_precision():
    noise = " ".join(model_notes(entry(precision=0.02, recall=0.0), FLOOR, CLASSES, 3))
    assert "recall is exactly 0 (real-data floor 0.705)" in noise and "noise" in noise and "0.712" in noise
    alike = " ".join(model_notes(entry(precision=0.6, recall=0.0), FLOOR, CLASSES, 3))
    assert "too alike" in alike and "k = 3" in alike
    assert "noise or unrecognisable" not in alike
    assert model_notes(entry(precision=0.6, recall=0.001), FLOOR, CLASSES, 3) == []  # small, not exactly 0


def test_an_inception_score_near_one_and_one_dominant_class_each_get_a_sentence():
    hist = [0.0] * 10
    hist[7] = 0.93
    hist[1] = 0.07
    notes = model_notes(entry(is_=1.08, hist=hist), FLOOR, CLASSES, 3)
    assert len(notes) == 2
    assert "Inception Score 1.08 (real-data floor 8.43" in notes[0]
    assert "93% of its samples are classified as c7" in notes[1] and "10%" in notes[1] and "one class" in notes[1]


def test_a_dominant_class_is_judged_against_the_floors_own_largest_class():
    skewed_floor = {**FLOOR, "class_hist": [0.4] + [0.6 / 9] * 9}
    hist = [0.55] + [0.45 / 9] * 9
    assert model_notes(entry(hist=hist), skewed_floor, CLASSES, 3) == []  # under twice the floor's 40 %
    assert model_notes(entry(hist=hist), FLOOR, CLASSES, 3)  # over half, and over twice 10 %


def test_the_grey_noise_gan_of_a_tiny_run_is_explained():
    """Seen: GANs drawing grey noise reported 'precision 1 ± 0' without a word."""
    hist = [0.0] * 10
    hist[3] = 1.0
    (note,) = sanity_notes(result(gan=entry(precision=1.0, recall=0.0, is_=1.0, hist=hist, title="GAN")))
    assert "collapse" in note and "Inception Score 1.00" in note and "100% of its samples are classified as c3" in note


def test_the_section_shows_the_notes_and_names_the_network(tmp_path):
    res = result(ae2=entry(precision=1.0, recall=0.0, title="AE-2"))
    blocks = quality_blocks(RunDir(tmp_path), res)
    texts = [b.body for b in blocks if isinstance(b, Text)]
    assert any(t.startswith("AE-2: precision 1.000") for t in texts)
    assert "FID-fmnist-v1" in texts[0] and "shipped with genlab" in texts[0]
    local = {**res, "feature_net": {**res["feature_net"], "name": "cifar10-local-0123456789ab", "shipped": False}}
    assert "trained on this machine" in network_sentence(local) and "FID-cifar10-local-0123456789ab" in network_sentence(local)

"""The kitti study's 'synthetic scenes, not KITTI' caveat comes from the study (the experiment
page asks each trial's study for it, knowing no study itself), and only when the trials ran on
generated scenes."""
from __future__ import annotations

from genlab.studies import get_study

DATA = {"synthetic": True, "images": {"train": 80, "test": 20}, "style": "day", "size": "640x194",
        "source": "genlab kitti synth"}
CONFIG = {"study": "kitti", "analysis": {"reported": {"transfer": {"map50": 0.55}},
                                         "reported_source": "report 004 (table 6, real KITTI)"}}


def test_synthetic_trials_carry_the_caveat_with_the_reports_name():
    text = get_study("kitti").caveat(CONFIG, {"kitti": {"data": DATA}})
    assert text.startswith("SYNTHETIC KITTI-format scenes, not KITTI") and "100 scenes" in text
    assert "NOT comparable with report 004 (table 6, real KITTI)" in text


def test_real_kitti_and_other_studies_carry_none():
    real = {**DATA, "synthetic": False}
    assert get_study("kitti").caveat(CONFIG, {"kitti": {"data": real}}) == ""
    assert get_study("conv").caveat({"study": "conv"}, {"analyses": {}}) == ""

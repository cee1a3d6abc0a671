"""Every number of a run folder, addressed as SOURCE:PATH."""
from __future__ import annotations

from run_folders import fake_run

from genlab.run_record import flatten, read_run, value


def test_value_reads_each_source(tmp_path):
    record = read_run(fake_run(tmp_path / "r", 0, {"ae": 0.9, "dae": 0.8}, {"ae": 0.01}))
    assert value(record, "frozen_classifiers:head.test_metrics.accuracy", "dae") == 0.8
    assert value(record, "summary:final.test.loss", "ae") == 0.01
    assert value(record, "generation:fid", "ae") == 10 - 0.9  # the section, not the analysis stub
    assert value(record, "noise_robustness:curves.{title}.psnr[-1]", "dae") == 10.8
    assert value(record, "noise_robustness:curves.{title}.psnr[0]", "ae") == 20.9


def test_missing_values_are_none(tmp_path):
    record = read_run(fake_run(tmp_path / "r", 0, {"ae": 0.9}))
    for metric in ("frozen_classifiers:head.nothing", "tsne:x", "summary:final.val.loss", "eval:coco.map50",
                   "noise_robustness:curves.{title}.psnr[5]", "frozen_classifiers:head.test_metrics.confusion",
                   "generation:fid.x"):
        assert value(record, metric, "ae") is None, metric
    assert value(record, "frozen_classifiers:head.test_metrics.accuracy", "nobody") is None


def test_flatten_keeps_metrics_and_drops_timings_and_settings(tmp_path):
    rows = flatten(read_run(fake_run(tmp_path / "r", 0, {"ae": 0.9, "vae": 0.7})))
    keys = {(m, k) for m, k, _ in rows}
    assert ("ae", "frozen_classifiers:head.test_metrics.accuracy") in keys
    assert ("vae", "summary:final.test.loss") in keys and ("vae", "generation:fid") in keys
    assert ("", "generation:floor.fid") in keys
    assert ("", "noise_robustness:curves.AE.psnr[1]") in keys  # keyed by title: belongs to no model name
    assert not any("seconds" in k or "time_s" in k or "params" in k or "confusion" in k for _, k in keys)
    assert not any(k.startswith("generation:stored") or k == "generation:n" for _, k in keys)

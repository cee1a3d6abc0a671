"""`genlab sample` / `evaluate` / the epoch callback / the report section on a tiny run."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from genlab.cli import main
from genlab.generation import samplers
from generation_helpers import TINY_NET


@pytest.mark.parametrize("model", ["gan_uniform", "vae", "ae4"])
def test_sample_writes_uint8_images(tiny_run, tmp_path, model, capsys):
    out, grid = tmp_path / "s.npz", tmp_path / "s.png"
    assert main(["sample", str(tiny_run.path), "--model", model, "--n", "37", "--out", str(out), "--grid", str(grid)]) == 0
    images = np.load(out)["images"]
    assert images.shape == (37, 1, 28, 28) and images.dtype == np.uint8
    assert images.max() <= 255 and images.std() > 0  # real pictures, not a constant
    assert grid.stat().st_size > 1000
    assert model in capsys.readouterr().out


def test_gan_prior_defaults_to_training_prior(tiny_run):
    from genlab.generation.evaluate import build_sampler

    config = __import__("genlab.config", fromlist=["x"]).study_from_dict(tiny_run.read_config())
    _, default = build_sampler(tiny_run, config, "gan_uniform", samplers.SamplerOptions())
    _, normal = build_sampler(tiny_run, config, "gan_uniform", samplers.SamplerOptions(prior="normal"))
    assert default.description == "uniform prior (as trained)"
    assert normal.description == "normal prior (trained with uniform)"
    a, b = samplers.draw(default, 20, seed=3), samplers.draw(normal, 20, seed=3)
    assert not torch.equal(a, b)
    assert torch.equal(a, samplers.draw(default, 20, seed=3))  # seeded: reproducible


def test_sample_errors_are_one_line(tiny_run, tmp_path, capsys):
    assert main(["sample", str(tiny_run.path), "--model", "nope", "--out", str(tmp_path / "x.npz")]) == 2
    assert main(["sample", str(tiny_run.path), "--model", "vae", "--prior", "uniform", "--out", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert "no model named 'nope'" in err and "--prior applies to models whose prior can be chosen (GANs)" in err


def test_evaluate_report_and_epoch_fid(tiny_run, tiny_net, fmnist, capsys):
    from genlab.atomic import append_jsonl
    from genlab.generation.epoch_fid import EpochFID
    from genlab.generation.evaluate import EvaluateOptions, evaluate_run
    from genlab.generation.scores import MetricOptions
    from genlab.analyses.generation_report import quality_sections
    from genlab.registry import load_trained
    from genlab.report.page import Table, write

    callback = EpochFID(fmnist, n=50, feature_net=TINY_NET, progress=False)
    gan_dir = tiny_run.model("gan_uniform")
    gan = load_trained(gan_dir.path)
    for epoch in (1, 2):
        extra = callback.on_epoch_end(gan, epoch, gan_dir)
        assert set(extra) == {"epoch_fid", "epoch_fid_n"} and extra["epoch_fid"] > 0
        append_jsonl(gan_dir.metrics, {"epoch": epoch, "train": {}, "val": {}, "extra": extra})
    assert callback.on_epoch_end(load_trained(tiny_run.model("ae4").path), 1, None) == {}  # cannot sample

    opts = EvaluateOptions(n=60, feature_net=TINY_NET, progress=False,
                           metrics=MetricOptions(kid_subsets=5, kid_subset_size=30, is_splits=2))
    result = evaluate_run(tiny_run, opts)
    assert set(result["models"]) == {"gan_uniform", "vae", "ae4"}
    assert "Gaussian mixture" in result["models"]["ae4"]["sampler"]
    for entry in [result["floor"], *result["models"].values()]:
        assert {"fid", "kid", "kid_std", "precision", "recall", "is", "class_hist"} <= set(entry)
        assert 0 <= entry["precision"] <= 1 and 0 <= entry["recall"] <= 1 and entry["fid"] >= -1e-6
    assert result["floor"]["fid"] < result["models"]["gan_uniform"]["fid"]  # real images beat noise
    assert tiny_run.read_metrics()["generation"]["n"] == 60
    assert tiny_run.figure("quality_epoch_fid").is_file() and tiny_run.figure("quality_class_histogram").is_file()
    assert "50" in result["epoch_floor"]

    sections = quality_sections(tiny_run)
    table = next(b for b in sections[0].blocks if isinstance(b, Table))
    assert table.rows[0][0] == "real-data floor" and len(table.rows) == 4
    page = write(tiny_run.path, "t", sections, {}, {}).read_text()
    assert "Figure missing" not in page and "quality_samples_vae.png" in page

    assert main(["evaluate", str(tiny_run.path), "--n", "5"]) == 2  # too few: one-line error
    assert "need at least 10" in capsys.readouterr().err

    # --models re-measures some models and keeps the others' numbers (measured the same way)
    again = evaluate_run(tiny_run, EvaluateOptions(n=60, feature_net=TINY_NET, progress=False, models=["vae"],
                                                   metrics=opts.metrics))
    assert list(again["models"]) == list(result["models"])
    assert again["models"]["gan_uniform"] == result["models"]["gan_uniform"]
    # ... but drops them where the measurement differs (here n)
    other = evaluate_run(tiny_run, EvaluateOptions(n=50, feature_net=TINY_NET, progress=False, models=["vae"],
                                                   metrics=opts.metrics))
    assert list(other["models"]) == ["vae"]


def test_quality_sections_without_evaluation(tmp_path):
    from genlab.analyses.generation_report import quality_sections
    from genlab.runs import RunDir

    sections = quality_sections(RunDir(tmp_path))
    assert "genlab evaluate" in sections[0].blocks[0].body


def test_inception_fid_needs_torch_fidelity(tiny_run, tmp_path, capsys):
    weights = tmp_path / "pt_inception.pth"
    weights.write_bytes(b"0")
    import importlib.util

    if importlib.util.find_spec("torch_fidelity") is not None:
        pytest.skip("torch-fidelity is installed")
    assert main(["evaluate", str(tiny_run.path), "--inception-weights", str(weights)]) == 2
    assert "pip install torch-fidelity" in capsys.readouterr().err


def test_prior_verdict_is_decided_by_numbers_and_says_within_noise():
    from genlab.analyses.generation_report import _prior_verdict

    base = {"fid": 10.0, "kid": 0.010, "kid_std": 0.002, "precision": 0.5, "recall": 0.5, "is": 4.0}
    close = _prior_verdict(("n", base), ("u", {**base, "fid": 12.0, "kid": 0.013}), floor=1.0)
    assert "by FID the better prior is normal" in close and "within sampling noise" in close  # gap 3e-3 ≤ 2·2e-3
    apart = _prior_verdict(("n", base), ("u", {**base, "fid": 8.0, "kid": 0.020}), floor=1.0)
    assert "by FID the better prior is uniform" in apart and "KID favours normal" in apart
    assert "KID cannot separate" not in apart
    # with sampling errors measured: a gap within 1.96 combined standard errors is noise
    measured = {**base, "fid_se": 1.5, "kid_se": 0.001, "precision_se": 0.01, "recall_se": 0.01}
    fid_noise = _prior_verdict(("n", measured), ("u", {**measured, "fid": 12.0, "kid": 0.020}), floor=1.0)
    assert "Within sampling noise alone: FID" in fid_noise and "KID favours normal" in fid_noise
    noise = _prior_verdict(("n", base), ("u", {**base, "fid": 80.0, "is": 1.02}), floor=1.0)
    assert "by FID the better prior" not in noise  # a generator of noise gives no verdict on priors

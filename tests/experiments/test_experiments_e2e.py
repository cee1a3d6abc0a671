"""Experiments through the real CLI, one per study, on tiny settings: `run --seeds` gives an
experiment folder whose report tests the study's comparisons over seeds; `--resume` skips
finished trials; a two-value sweep draws its metric against the value with the PCA floor;
`compare` puts runs and experiments side by side."""
from __future__ import annotations

import csv
import re
from html import unescape

import pytest
import yaml

from cli_helpers import images_loaded_in_chromium, run_cli

DENSE = ["--set", "data.train_subset=600", "--set", "data.val_size=200", "--set", "data.test_subset=300",
         "--set", "train.epochs=1", "--set", "analysis.latent_2d.scatter_points=300", "--set", "analysis.generation.samples=300",
         "--set", "analysis.generation.epoch_fid_n=200", "--set", "analysis.generation.feature_net={width: 4, feature_dim: 16, epochs: 1, "
         "batch_size: 64, train_subset: 512, test_subset: 200}"]
CONV = ["--set", "data.train_subset=400", "--set", "data.val_size=200", "--set", "data.test_subset=300",
        "--set", "train.epochs=1", "--set", "analysis.tsne.points=60", "--set", "analysis.frozen_classifiers.probe_train_size=300",
        "--set", "analysis.noise_robustness.images=100", "--set", "analysis.noise_robustness.factors=[0.0,0.5,1.0]",
        "--set", "analysis.frozen_classifiers.head.epochs=2", "--set", "analysis.frozen_classifiers.head.hidden=[32]"]
KITTI = ["--set", "analysis.synth_n=10", "--set", "analysis.synth_pretrain_n=8", "--set", "analysis.synth_size=192x58",
         "--set", "analysis.draw_images=2", "--set", "train.epochs=1", "--set", "train.batch_size=4",
         *[x for m in ("pretrain", "scratch", "transfer") for x in ("--set", f"models.{m}.params.imgsz=64")]]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return {"GENLAB_CACHE": str(tmp_path_factory.mktemp("cache"))}


def experiment(tmp_path_factory, cache, study, flags, *extra):
    out = tmp_path_factory.mktemp(study) / "exp"
    result = run_cli("run", study, "--out", str(out), "--device", "cpu", *extra, *flags, env=cache)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result


@pytest.fixture(scope="module")
def dense_exp(tmp_path_factory, cache):
    return experiment(tmp_path_factory, cache, "dense", DENSE, "--quick", "--seeds", "3", "--jobs", "2")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_experiment_folder_holds_every_trial(dense_exp):
    out, result = dense_exp
    spec = yaml.safe_load((out / "experiment.yaml").read_text())
    assert [t["seed"] for t in spec["trials"]] == [0, 1, 2]
    for t in spec["trials"]:
        assert (out / "trials" / t["id"] / "report.html").is_file()
        assert yaml.safe_load((out / "configs" / f"{t['id']}.yaml").read_text())["seed"] == t["seed"]
        assert (out / "logs" / f"{t['id']}.log").stat().st_size > 0
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert {r["trial"] for r in rows} == {"seed0", "seed1", "seed2"}
    fid = [r for r in rows if r["model"] == "gan_normal" and r["metric"] == "generation:fid"]
    assert len(fid) == 3 and all(float(r["value"]) > 0 for r in fid)
    assert "3/3 done" in result.stderr


def test_report_tests_each_comparison_over_seeds(dense_exp, tmp_path):
    out, _ = dense_exp
    page = text((out / "report.html").read_text())
    assert "Is each difference real?" in page and "3 seeds" in page
    for label in ("FID (genlab features)", "KID (genlab features)", "test MSE per pixel"):
        assert label in page
    assert "cannot be made" not in page.split("Metrics over seeds")[0].split("precision")[0]  # FID/KID measured
    assert re.search(r"paired t-test p [=<] ", page) and "significant at 5%" in page or "no significant difference" in page
    assert re.search(r"\d ± \d", page)  # means with CIs, never bare numbers, when n > 1
    trial = text((out / "trials" / "seed0" / "report.html").read_text())
    assert "untested" in trial and "one seed" in trial


def test_resume_skips_finished_trials(dense_exp, cache):
    out, _ = dense_exp
    result = run_cli("run", "dense", "--quick", "--seeds", "3", "--out", str(out), "--resume", "--device", "cpu",
                     *DENSE, env=cache)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "3 of 3 trials already finished" in result.stderr
    changed = run_cli("run", "dense", "--quick", "--seeds", "4", "--out", str(out), "--resume", *DENSE, env=cache)
    assert changed.returncode == 2 and "differs" in changed.stderr and "Traceback" not in changed.stderr


def test_conv_experiment_tests_the_encoder_ranking(tmp_path_factory, cache):
    out, _ = experiment(tmp_path_factory, cache, "conv", CONV, "--quick", "--seeds", "3", "--jobs", "2")
    page = text((out / "report.html").read_text())
    assert "frozen-encoder test accuracy" in page and "PSNR on the noisiest inputs" in page
    assert "AE 88.04 % > VAE 87.17 %" in page and "cannot be made" not in page


@pytest.mark.slow
def test_kitti_experiment_tests_transfer_vs_scratch(tmp_path_factory, cache):
    out, _ = experiment(tmp_path_factory, cache, "kitti", KITTI, "--seeds", "3", "--jobs", "2")
    page = text((out / "report.html").read_text())
    assert "test mAP@0.5:0.95 (COCO)" in page and "3 seeds" in page and "cannot be made" not in page


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, cache):
    out = tmp_path_factory.mktemp("sweep") / "exp"
    result = run_cli("sweep", "dense", "--quick", "--out", str(out), "--device", "cpu", "--jobs", "2",
                     "--vary", "models.ae64.params.latent_dim=2,16", *DENSE,
                     "--set", "analysis.generation.enabled=false", "--set", "analysis.generation.epoch_fid=[]", env=cache)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_sweep_draws_metric_against_value_with_pca_floor(sweep, tmp_path):
    spec = yaml.safe_load((sweep / "experiment.yaml").read_text())
    assert [t["id"] for t in spec["trials"]] == ["latent_dim=2-seed0", "latent_dim=16-seed0"]
    floor = yaml.safe_load((sweep / "sweep_floor.json").read_text())  # the study's floor under this sweep
    assert floor["model"] == "ae64" and floor["metric"] == "summary:final.test.loss"
    assert floor["x"] == [2, 16] and floor["y"][0] > floor["y"][1] > 0
    page = (sweep / "report.html").read_text()
    assert "Sweep over models.ae64.params.latent_dim" in page and "linear floor" in page
    # one seed per value: each model's test loss at 16 against 2, said to be untested
    assert "Does models.ae64.params.latent_dim change the results?" in page
    assert "models.ae64.params.latent_dim=16 − models.ae64.params.latent_dim=2" in text(page) and "untested" in page
    rows = list(csv.DictReader((sweep / "results.csv").open()))
    assert {r["models.ae64.params.latent_dim"] for r in rows} == {"2", "16"}
    import shutil
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        loaded, total = images_loaded_in_chromium(chromium, sweep / "report.html", tmp_path)
        assert total >= 1 and loaded == total


def test_compare_runs_and_experiments(dense_exp, sweep, tmp_path):
    exp, _ = dense_exp
    out = tmp_path / "cmp"
    result = run_cli("compare", str(exp / "trials" / "seed0"), str(exp), str(sweep / "trials" / "latent_dim=2-seed0"),
                     "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    page = text((out / "report.html").read_text())
    assert "models.ae64.params.latent_dim" in page and "analysis.generation.enabled" in page
    rows = list(csv.DictReader((out / "compare.csv").open()))
    loss = next(r for r in rows if r["model"] == "ae64" and r["metric"] == "summary:final.test.loss")
    assert loss["exp n"] == "3" and loss["seed0 n"] == "1" and float(loss["exp ci_low"]) <= float(loss["exp mean"])


def test_trial_report_travels_alone_and_exports_every_table(dense_exp, tmp_path):
    """A run's report.html embeds its figures: a copy in an empty folder shows every image.
    `genlab export` writes every report table and each model's epochs as CSV, Markdown, LaTeX."""
    import shutil

    from genlab.report.page import Table
    from genlab.runs import RunDir
    from genlab.studies.runner import report_content

    exp, _ = dense_exp
    run = exp / "trials" / "seed1"
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(run / "report.html", alone / "report.html")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        loaded, total = images_loaded_in_chromium(chromium, alone / "report.html", tmp_path)
        assert total >= 10 and loaded == total
    n_tables = sum(isinstance(b, Table) for s in report_content(RunDir(run)).sections for b in s.blocks)
    for fmt_name in ("csv", "md", "tex"):
        out = tmp_path / fmt_name
        result = run_cli("export", str(run), "--format", fmt_name, "--out", str(out))
        assert result.returncode == 0, result.stderr
        files = sorted(out.iterdir())
        assert len([f for f in files if not f.name.startswith("epochs_")]) == n_tables
        assert {f"epochs_{m}.{fmt_name}" for m in ("ae2", "vae", "gan_normal")} <= {f.name for f in files}
        sample = (out / f"epochs_vae.{fmt_name}").read_text()
        if fmt_name == "csv":
            rows = list(csv.reader(sample.splitlines()))
            assert rows[0][:2] == ["epoch", "train.loss"] and len(rows) == 2  # one epoch
        elif fmt_name == "md":
            assert sample.startswith("| epoch | train.loss") and "|---|" in sample
        else:
            assert "\\begin{tabular}" in sample and "epoch & train.loss & " in sample
    bad = run_cli("export", str(tmp_path / "nowhere"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_keep_checkpoints_reaches_every_trial(tmp_path_factory, cache):
    """--keep-checkpoints keeps models' and classifier heads' epoch checkpoints (here in each trial)."""
    out, _ = experiment(tmp_path_factory, cache, "conv", CONV, "--quick", "--seeds", "1", "--keep-checkpoints")
    kept = {p.relative_to(out / "trials" / "seed0").parts[:2] for p in out.rglob("checkpoints/epoch_*.pt")}
    assert {("models", "ae"), ("classifiers", "ae"), ("classifiers", "raw")} <= kept


def test_python_api_opens_runs_and_experiments(dense_exp, tmp_path):
    import torch

    import genlab
    from genlab.errors import GenlabError

    exp = genlab.open(dense_exp[0])
    assert isinstance(exp, genlab.Experiment) and len(exp.trials) == 3
    table = exp.results()
    assert set(table.trial) == {"seed0", "seed1", "seed2"} and {"model", "metric", "value"} <= set(table.columns)
    run = genlab.open(exp.trials[0].path)
    assert isinstance(run, genlab.Run) and run.models[0] == "ae2"
    assert len(run.epochs("vae")) == 1 and "train.loss" in run.epochs("vae").columns
    assert run.metrics().query("metric == 'generation:fid'").shape[0] == len(run.models)  # every dense model generates
    with torch.no_grad():
        codes = run.model("ae2").encode(torch.zeros(3, 1, 28, 28))
    assert tuple(codes.shape) == (3, 2)
    assert "report:" in run._repr_html_() and "trials finished" in exp._repr_html_()
    with pytest.raises(GenlabError):
        genlab.open(tmp_path)
    with pytest.raises(GenlabError, match="no model 'x'"):
        run.model("x")

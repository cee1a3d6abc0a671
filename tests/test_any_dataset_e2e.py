"""The shipped studies on data other than Fashion-MNIST, through the real CLI: CIFAR-10-format
files (RGB 32×32, ten classes), MNIST-format IDX files, a labelled RGB image folder and an
unlabelled one, all written by the test. Every conv and generative model of the shipped
studies trains at 3×32×32; the report names the run's dataset and its classes; the
Fashion-MNIST route through an npz export gives the native loader's numbers."""
from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli
from data_writers import write_cifar10, write_idx, write_image_folder

TINY_NET = ("{width: 4, feature_dim: 16, epochs: 1, batch_size: 64, train_subset: 300, test_subset: 100}")
SMALL = ["--set", "train.epochs=1", "--set", "train.batch_size=32", "--set", "data.val_size=40",
         "--set", "data.train_subset=160", "--set", "data.test_subset=100"]
STUDY = {
    "dense": ["--set", "analysis.latent_2d.scatter_points=100", "--set", "analysis.generation.samples=100",
              "--set", "analysis.generation.epoch_fid_n=50", "--set", f"analysis.generation.feature_net={TINY_NET}"],
    "gen": ["--set", "analysis.generation.samples=100", "--set", "analysis.generation.epoch_fid_n=50",
            "--set", f"analysis.generation.feature_net={TINY_NET}", "--set", "models.dcgan.params.width=8",
            "--set", "models.wgan_gp.params.width=8", "--set", "models.wgan_gp.train.steps={critic: 1}"],
    "conv": ["--set", "analysis.tsne.points=40", "--set", "analysis.frozen_classifiers.probe_train_size=100",
             "--set", "analysis.noise_robustness.images=20", "--set", "analysis.frozen_classifiers.head.epochs=1"],
}


def run_study(study: str, data: list[str], out, tmp_path, *extra: str):
    result = run_cli("run", study, "--quick", "--out", str(out), "--no-progress", *data, *SMALL, *STUDY[study],
                     *extra, env={"GENLAB_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text()), (out / "report.html").read_text()


@pytest.fixture(scope="module")
def cifar(tmp_path_factory) -> list[str]:
    root = write_cifar10(tmp_path_factory.mktemp("cifar"), per_batch=40, n_test=120)
    return ["--set", "data.dataset=cifar10", "--set", f"data.root={root}"]


@pytest.mark.parametrize("study", ["dense", "gen", "conv"])
def test_every_model_of_a_study_trains_on_colour_32x32(study, cifar, tmp_path):
    metrics, html = run_study(study, cifar, tmp_path / "run", tmp_path)
    assert metrics["data"]["shape"] == [3, 32, 32] and metrics["data"]["title"] == "CIFAR-10"
    assert not metrics["data"]["official"] and "not" in metrics["data"]["note"]  # files this test wrote
    for name in json.loads(json.dumps(metrics["analyses"]["loss_curves"]["models"])):
        assert (tmp_path / "run" / "models" / name / "final.pt").is_file()
    assert "CIFAR-10 training images (3×32×32, 10 classes" in html and "Fashion-MNIST training" not in html
    if study != "conv":
        assert metrics["generation"]["data"]["classes"][0] == "airplane"
        assert "classifier of CIFAR-10" in html
    else:
        assert metrics["data"]["classes"][0] == "airplane"  # the heads are trained on the data's own ten classes
        assert len(metrics["analyses"]["frozen_classifiers"]["results"]["ae"]["head"]["test_metrics"]["confusion"]) == 10


def test_mnist_format_files(tmp_path):
    root = write_idx(tmp_path / "mnist", n_train=200, n_test=100)
    metrics, html = run_study("dense", ["--set", "data.dataset=mnist", "--set", f"data.root={root}"],
                              tmp_path / "run", tmp_path)
    assert metrics["data"]["title"] == "MNIST" and metrics["data"]["classes"][:2] == ["0", "1"]
    assert "MNIST training images (1×28×28" in html and "Fashion-MNIST training" not in html  # the source report is named, on its own data


def test_a_labelled_colour_image_folder(tmp_path):
    root = write_image_folder(tmp_path / "pics", "split", n_train=200, n_test=100, shape=(3, 32, 32),
                              num_classes=3, classes=["circle", "square", "star"])
    metrics, html = run_study("gen", ["--set", "data.dataset=image_folder", "--set", f"data.root={root}"],
                              tmp_path / "run", tmp_path)
    assert metrics["data"]["shape"] == [3, 32, 32] and metrics["data"]["classes"] == ["circle", "square", "star"]
    assert metrics["generation"]["models"] and "circle" in html


def test_an_unlabelled_folder_skips_the_label_metrics_with_a_sentence(tmp_path):
    root = write_image_folder(tmp_path / "pics", "flat", n_train=400, n_test=100, shape=(1, 28, 28))
    metrics, html = run_study("dense", ["--set", "data.dataset=image_folder", "--set", f"data.root={root}"],
                              tmp_path / "run", tmp_path)
    assert metrics["data"]["classes"] is None and "generation" not in metrics
    assert metrics["analyses"]["generation"]["unlabelled"] is True
    assert "it needs class labels, and pics has none" in html


def test_fashion_mnist_through_an_npz_gives_the_native_numbers(tmp_path):
    export = run_cli("data", "export", "fashion_mnist", str(tmp_path / "fmnist.npz"), "--as", "npz")
    assert export.returncode == 0, export.stderr
    native, _ = run_study("dense", [], tmp_path / "native", tmp_path, "--set", "analysis.generation.enabled=false")
    routed, _ = run_study("dense", ["--set", "data.dataset=npz", "--set", f"data.root={tmp_path / 'fmnist.npz'}"],
                          tmp_path / "routed", tmp_path, "--set", "analysis.generation.enabled=false")
    assert routed["data"]["identity"] == native["data"]["identity"]
    for name in ("ae2", "ae64", "vae", "gan_normal"):
        a = json.loads((tmp_path / "native" / "models" / name / "summary.json").read_text())["final"]
        b = json.loads((tmp_path / "routed" / "models" / name / "summary.json").read_text())["final"]
        assert a == b, name  # the same split, the same bits, the same losses

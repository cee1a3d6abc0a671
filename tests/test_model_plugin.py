"""A model added from outside genlab: a tiny installed distribution (written by this test)
registers an L1 autoencoder through the `genlab.models` entry point, and a study file names
it. Nothing in genlab is edited: the plugin's model trains in the dense and gen studies and
appears in their reports with its own loss sentence, sampler and capabilities; every
analysis it can serve includes it, the others say why not."""
from __future__ import annotations

import json
import os
import textwrap

import pytest
import yaml

from cli_helpers import run_cli
from genlab.config import STUDY_DIR

PLUGIN = textwrap.dedent('''
    """An L1 autoencoder for genlab: one linear layer each way, sigmoid pixels."""
    import math

    import torch.nn.functional as F
    from torch import nn

    from genlab.methods.base import Loss, Method
    from genlab.param_domains import width
    from genlab.registry import ModelEntry


    class L1Autoencoder(Method):
        sampling = "codes"  # no prior: genlab fits a mixture to its codes

        def __init__(self, shape, latent_dim):
            super().__init__()
            self.shape, self.latent_dim = tuple(shape), latent_dim
            self.encoder, self.decoder = nn.Linear(math.prod(shape), latent_dim), nn.Linear(latent_dim, math.prod(shape))

        def encode(self, x):
            return self.encoder(x.flatten(1))

        def decode(self, z):
            return self.decoder(z).sigmoid().view(-1, *self.shape)

        def reconstruct(self, x):
            return self.decode(self.encode(x))

        def loss(self, x, y, optimizer):
            return Loss(F.l1_loss(self.reconstruct(x), x))

        def loss_sentence(self):
            return "mean absolute error per pixel (the plugin's L1 autoencoder)"

        def traits(self):
            return {"objective": "reconstruction", "noise in training": "no", "loss": "L1",
                    "latent space": f"deterministic, {self.latent_dim}-d"}


    def build(*, shape, classes=None, latent_dim=16):
        return L1Autoencoder(shape, latent_dim)


    ENTRY = ModelEntry(build, {"latent_dim": width}, "a linear autoencoder with an L1 loss")
''')
MODEL = {"name": "l1ae", "title": "L1-AE (plugin)", "model": "l1_ae", "params": {"latent_dim": 8},
         "train": {"epochs": 1, "batch_size": 64}}
SMALL = ["--set", "data.train_subset=400", "--set", "data.val_size=100", "--set", "data.test_subset=200",
         "--set", "train.epochs=1", "--set", "analysis.generation.samples=200",
         "--set", "analysis.generation.epoch_fid_n=100",
         "--set", "analysis.generation.feature_net={width: 4, feature_dim: 16, epochs: 1, batch_size: 64, "
                  "train_subset: 512, test_subset: 200}"]
STUDIES = {"dense": ["--set", "analysis.latent_2d.scatter_points=200"], "gen": []}
KEEP = {"dense": ("ae64", "vae", "gan_normal"), "gen": ("vae", "gan_normal")}


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """An installed distribution: its module and a dist-info with the entry point, on PYTHONPATH."""
    root = tmp_path_factory.mktemp("site")
    (root / "genlab_l1ae.py").write_text(PLUGIN)
    info = root / "genlab_l1ae-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: genlab-l1ae\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[genlab.models]\nl1_ae = genlab_l1ae:ENTRY\n")
    return root


def study_with_plugin(study: str, folder) -> str:
    raw = yaml.safe_load((STUDY_DIR / f"{study}.yaml").read_text())
    raw["models"] = [m for m in raw["models"] if m["name"] in KEEP[study]] + [MODEL]
    raw["comparisons"] = [c for c in raw.get("comparisons", []) if c["a"] in KEEP[study] and c["b"] in KEEP[study]]
    raw.setdefault("analysis", {}).pop("reported", None)
    generation = raw["analysis"].get("generation") or {}
    generation["epoch_fid"] = [m for m in generation.get("epoch_fid", []) if m in KEEP[study] or m == "all"]
    for key in list((raw.get("quick") or {})):
        if key.startswith("models.") and key.split(".")[1] not in KEEP[study]:
            raw["quick"].pop(key)
    path = folder / f"{study}_plugin.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


def env(plugin_path, tmp_path) -> dict:
    return {"PYTHONPATH": os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")]),
            "GENLAB_CACHE": str(tmp_path / "cache")}


def test_the_plugin_model_is_registered_with_its_domains(plugin_path, tmp_path):
    listed = run_cli("models", "l1_ae", env=env(plugin_path, tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "genlab-l1ae" in listed.stdout and "latent_dim" in listed.stdout and "generate" in listed.stdout
    bad = run_cli("run", study_with_plugin("dense", tmp_path), "--quick", "--out", str(tmp_path / "bad"),
                  "--set", "models.l1ae.params.latent_dim=0", env=env(plugin_path, tmp_path))
    assert bad.returncode == 2 and "latent_dim=0: must be a whole number" in bad.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_a_plugin_model_trains_and_reports_in_the_study(study, plugin_path, tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", study_with_plugin(study, tmp_path), "--quick", "--out", str(out), "--no-progress",
                     *SMALL, *STUDIES[study], env=env(plugin_path, tmp_path))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    analyses = metrics["analyses"]
    for key, entry in analyses.items():
        assert ("l1ae" in entry["models"]) != ("l1ae" in entry["skipped"]), key
    assert "l1ae" in analyses["generation"]["models"] and "l1ae" in analyses["samples"]["skipped"]
    assert "Gaussian mixture" in metrics["generation"]["models"]["l1ae"]["sampler"]
    html = (out / "report.html").read_text()
    assert "L1-AE (plugin) = mean absolute error per pixel (the plugin&#x27;s L1 autoencoder)" in html
    assert "l1_ae (latent_dim=8)" in html  # how it was built, in the models table

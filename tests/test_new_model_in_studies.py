"""Adding a model to a study = a network file + a registry entry + a YAML entry.

A DCGAN (nn/dcgan.py, registry "dcgan") is added to the shipped conv and dense study
files and both studies run end to end through the real CLI: every analysis it can serve
includes it, the others skip it with a sentence in the report, and nothing crashes."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from cli_helpers import run_cli
from genlab.config import STUDY_DIR

DCGAN = {"name": "dcgan", "title": "DCGAN-16", "model": "dcgan", "params": {"latent_dim": 16, "width": 8},
         "train": {"epochs": 1, "batch_size": 64, "lr": 0.0002, "betas": [0.5, 0.999]}}
SMALL = ["--set", "data.train_subset=400", "--set", "data.val_size=100", "--set", "data.test_subset=200",
         "--set", "train.epochs=1"]
STUDIES = {
    "conv": ["--set", "analysis.tsne.points=60", "--set", "analysis.frozen_classifiers.probe_train_size=200",
             "--set", "analysis.noise_robustness.images=50", "--set", "analysis.frozen_classifiers.head.epochs=1"],
    "dense": ["--set", "analysis.latent_2d.scatter_points=200", "--set", "analysis.generation.samples=200",
              "--set", "analysis.generation.epoch_fid_n=100",
              "--set", "analysis.generation.feature_net={width: 4, feature_dim: 16, epochs: 1, batch_size: 64, "
                       "train_subset: 512, test_subset: 200}"],
}


def with_dcgan(study: str, folder) -> str:
    raw = yaml.safe_load((STUDY_DIR / f"{study}.yaml").read_text())
    raw["models"].append(DCGAN)
    path = folder / f"{study}_dcgan.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_a_new_model_joins_every_analysis_it_can_serve(study, tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", with_dcgan(study, tmp_path), "--quick", "--out", str(out), "--no-progress",
                     *SMALL, *STUDIES[study], env={"GENLAB_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    analyses = json.loads((out / "metrics.json").read_text())["analyses"]
    for key, entry in analyses.items():
        # a GAN samples, but neither encodes nor reconstructs
        assert ("dcgan" in entry["models"]) != ("dcgan" in entry["skipped"]), key
    served = {k for k, e in analyses.items() if "dcgan" in e["models"]}
    skipped = {k for k, e in analyses.items() if "dcgan" in e["skipped"]}
    assert "loss_curves" in served and skipped, (served, skipped)
    if study == "dense":
        assert any("sample" in k or "generation" in k for k in served), served
    page = (out / "report.html").read_text()
    sentences = re.findall(r"Not in this analysis, which needs[^<]*DCGAN-16[^<]*", page)
    assert len(sentences) == len(skipped), (sentences, skipped)
    assert (out / "models" / "dcgan" / "final.pt").is_file()

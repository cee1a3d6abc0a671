"""Study files: validation on load, overrides, every shipped study loads."""
from __future__ import annotations

import pytest
import yaml

from genlab import config as cfg
from genlab.errors import GenlabError
from genlab.studies import get_study


def write(tmp_path, data) -> str:
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


BASE = {"study": "dense", "models": [{"name": "a", "model": "dense_ae", "train": {"epochs": 2}}]}


@pytest.mark.parametrize("name", cfg.shipped_studies())
def test_shipped_studies_load_and_validate(name):
    for quick in (False, True):
        study = cfg.load_study(name, quick=quick)
        runner = get_study(study.study)
        cfg.typed_options(runner.Options, study.analysis, "analysis")
        assert study.models


def test_unknown_top_level_key_suggests(tmp_path):
    with pytest.raises(GenlabError, match=r"unknown key 'sed' \(did you mean 'seed'\?\)"):
        cfg.load_study(write(tmp_path, {**BASE, "sed": 1}))


def test_unknown_nested_key(tmp_path):
    data = {**BASE, "models": [{"name": "a", "model": "dense_ae", "train": {"epoch": 2}}]}
    with pytest.raises(GenlabError, match=r"unknown key 'models\[0\].train.epoch' \(did you mean 'epochs'\?\)"):
        cfg.load_study(write(tmp_path, data))


@pytest.mark.parametrize("override,message", [
    ("train.epochs=0", "train.epochs must be >= 1"),
    ("train.lr=fast", "must be a number"),
    ("data.val_size=-1", "val_size must be from 0"),
    ("train.batch_size=2.5", "must be an integer"),
    ("models.nope.train.epochs=1", "no model named 'nope'"),
    ("epochs", "expected KEY=VALUE"),
])
def test_bad_values_fail_clearly(tmp_path, override, message):
    with pytest.raises(GenlabError, match=message):
        cfg.load_study(write(tmp_path, BASE), [override])


def test_train_override_reaches_every_model(tmp_path):
    data = {**BASE, "train": {"lr": 0.01},
            "models": [{"name": "a", "model": "dense_ae", "train": {"epochs": 5}}, {"name": "b", "model": "dense_vae"}]}
    study = cfg.load_study(write(tmp_path, data), ["train.epochs=3", "models.b.train.batch_size=7"])
    assert [m.train.epochs for m in study.models] == [3, 3]
    assert study.models[0].train.lr == 0.01 and study.models[1].train.batch_size == 7


def test_model_train_wins_over_study_default(tmp_path):
    data = {**BASE, "train": {"epochs": 9}}
    assert cfg.load_study(write(tmp_path, data)).models[0].train.epochs == 2


def test_quick_block_applies_only_with_quick(tmp_path):
    data = {**BASE, "quick": {"data.train_subset": 100}}
    assert cfg.load_study(write(tmp_path, data)).data.train_subset is None
    assert cfg.load_study(write(tmp_path, data), quick=True).data.train_subset == 100


def test_duplicate_model_names(tmp_path):
    data = {**BASE, "models": BASE["models"] * 2}
    with pytest.raises(GenlabError, match="unique"):
        cfg.load_study(write(tmp_path, data))


def test_unknown_study_and_bad_yaml(tmp_path):
    with pytest.raises(GenlabError, match="unknown study 'nosuch'"):
        cfg.load_study("nosuch")
    bad = tmp_path / "bad.yaml"
    bad.write_text("study: [unclosed")
    with pytest.raises(GenlabError, match="not valid YAML"):
        cfg.load_study(str(bad))


def test_analysis_options_reject_unknown_keys():
    runner = get_study("dense")
    with pytest.raises(GenlabError, match="unknown key 'analysis.latent_grid'"):
        cfg.typed_options(runner.Options, {"latent_grid": 3}, "analysis")

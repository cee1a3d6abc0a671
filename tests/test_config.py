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
        runner.check_models(study)
        runner.settings(study)  # the study's own keys and every analysis's, each checked
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
    ("train.lr=" + "[" * 5000 + "]" * 5000, "nested more than"),
    ("seed=-1", "seed must be"),
    ("train=5", "train must be a mapping"),
    ("data.val_size=1.0e+30", "out of range"),
    (".a=1", "dotted names"),
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
    with pytest.raises(GenlabError, match="unknown key 'analysis.latent_grid_typo' for the dense study"):
        get_study("dense").settings(cfg.load_study("dense", ["analysis.latent_grid_typo=3"]))
    with pytest.raises(GenlabError, match=r"unknown key 'analysis.latent_2d.grid_sized' \(did you mean 'grid_size'"):
        get_study("dense").settings(cfg.load_study("dense", ["analysis.latent_2d.grid_sized=3"]))


@pytest.mark.parametrize("seed,ok", [(0, True), (2**32 - 1, True), (-1, False), (2**32, False), (10**26, False)])
def test_seed_domain(tmp_path, seed, ok):
    if ok:
        assert cfg.load_study(write(tmp_path, BASE), seed=seed).seed == seed
    else:
        with pytest.raises(GenlabError, match="seed"):
            cfg.load_study(write(tmp_path, BASE), seed=seed)


def test_models_must_not_be_empty(tmp_path):
    with pytest.raises(GenlabError, match="at least one model"):
        cfg.load_study(write(tmp_path, {**BASE, "models": []}))


def test_top_level_train_defaults_are_checked_even_when_overridden(tmp_path):
    with pytest.raises(GenlabError, match="train.epochs must be >= 1"):
        cfg.load_study(write(tmp_path, {**BASE, "train": {"epochs": 0}}))


@pytest.mark.parametrize("content,message", [
    (b"\xffstudy: dense\n", "not UTF-8"),
    ("study: dense\n".encode("utf-16"), "not UTF-8"),
    (b"study: dense\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested more than"),
    (b"study: dense\na: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
     + b"".join(b"a%d: &a%d [%s]\n" % (i, i, b", ".join([b"*a" if i == 1 else b"*a%d" % (i - 1)] * 10)) for i in range(1, 9)),
     "aliases"),
])
def test_unreadable_study_files(tmp_path, content, message):
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    with pytest.raises(GenlabError, match=message):
        cfg.load_study(str(path))


def test_an_exponent_without_a_dot_is_a_number_as_people_write_it(tmp_path):
    """YAML 1.1 (PyYAML) reads `1e-3` as a string; issue 23 item 9: accept it."""
    from genlab.config import load_study as load

    assert load("dense", ["train.lr=1e-3"], quick=True, seed=None).models[0].train.lr == 0.001
    path = tmp_path / "s.yaml"
    path.write_text("study: dense\ntrain: {lr: 2E-4}\nmodels:\n  - {name: a, model: dense_ae}\n")
    assert load(str(path), [], quick=False, seed=None).models[0].train.lr == 0.0002
    with pytest.raises(GenlabError, match="train.lr must be a number, got '1e-3x'"):
        load("dense", ["train.lr=1e-3x"], quick=True, seed=None)


@pytest.mark.parametrize("name", ["../studies/dense", "studies/dense", "./dense"])
def test_a_path_like_study_name_is_never_looked_up_among_the_shipped_ones(name):
    """Issue 23 item 9: `run ../studies/dense` ran the full shipped study."""
    with pytest.raises(GenlabError, match=f"study file {name.removeprefix('./')} does not exist"):
        cfg.locate_study(name)

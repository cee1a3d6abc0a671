"""The CLI on bad input: one line, non-zero exit, no traceback, nothing lost."""
from __future__ import annotations

import pytest

from cli_helpers import assert_clean_error, run_cli


def test_unknown_study():
    assert_clean_error(run_cli("run", "nosuchstudy"), "unknown study 'nosuchstudy'")


def test_bad_override():
    assert_clean_error(run_cli("run", "dense", "--set", "train.epochs=zero"), "train.epochs must be an integer")


def test_unknown_key_in_study_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("study: dense\nmodels: []\nlearning_rate: 3\n")
    assert_clean_error(run_cli("run", str(path)), "unknown key 'learning_rate'")


def test_missing_study_file(tmp_path):
    assert_clean_error(run_cli("run", str(tmp_path / "nope.yaml")), "does not exist")


def test_resume_needs_out():
    assert_clean_error(run_cli("run", "dense", "--resume"), "--resume needs --out")


def test_existing_run_folder_is_never_overwritten(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    assert_clean_error(run_cli("run", "dense", "--out", str(out)), "already exists")
    assert (out / "precious.txt").read_text() == "keep me"


def test_resume_with_different_config_refused(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.yaml").write_text("study: dense\nseed: 5\n")
    assert_clean_error(run_cli("run", "dense", "--out", str(out), "--resume"), "differs")


def test_data_dir_without_files(tmp_path):
    assert_clean_error(run_cli("data", "--data-dir", str(tmp_path)), "lacks train-images-idx3-ubyte")


@pytest.mark.parametrize("study", ["dense", "conv"])
def test_corrupt_data_file_in_run(tmp_path, study):
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(b"\x00\x00\x08\x03garbage")
    result = run_cli("run", study, "--quick", "--data-dir", str(tmp_path), "--out", str(tmp_path / "r"))
    assert_clean_error(result, "truncated")
    assert not (tmp_path / "r").exists(), "bad input must leave no run folder behind"


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "data", "bench", "report"):
        assert command in result.stdout

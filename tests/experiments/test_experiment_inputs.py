"""Bad experiment arguments in bulk: each fails with one `genlab: error:` line, exit code 2,
no traceback and no folder, before any trial exists (a case that gets as far as creating
the experiment folder raises the `Reached` sentinel instead)."""
from __future__ import annotations

import itertools
import os

import pytest

from genlab import cli
from genlab.experiments import orchestrate


class Reached(Exception):
    pass


BASE = ["run", "dense", "--quick", "--device", "cpu"]
SWEEP = ["sweep", "dense", "--quick", "--device", "cpu"]
LATENT = "models.ae64.params.latent_dim"
CASES = [
    *[[*BASE, "--seeds", s] for s in ("0", "-1", "101", "x", "1.5")],
    *[[*BASE, "--seeds", "2", "--jobs", j] for j in ("0", "-2", "257", "x")],
    [*BASE, "--jobs", "2"], [*BASE, "--executor", "slurm"], [*BASE, "--slurm", "partition=gpu"],
    [*BASE, "--seeds", "2", "--slurm", "partition=gpu"],
    [*BASE, "--seeds", "2", "--executor", "slurm", "--slurm", "partition"],
    [*BASE, "--seeds", "2", "--executor", "slurm", "--slurm", "1x=3"],
    [*BASE, "--seeds", "2", "--executor", "pbs"],
    [*BASE, "--seeds", "2", "--threads", "2"],
    [*BASE, "--seeds", "2", "--resume"],
    [*BASE, "--seeds", "2", "--seed", "4294967295"],
    [*BASE, "--seeds", "2", "--seed", "-1"],
    [*BASE, "--seeds", "2", "--set", "train.epochs=0"],
    [*BASE, "--seeds", "2", "--set", "models.ae64.params.latent_dim=-1"],
    [*BASE, "--seeds", "2", "--set", "data.train_subset=70000"],
    [*BASE, "--seeds", "2", "--device", "tpu"],
    *[[*BASE, "--seeds", "2", "--set", f"comparisons={c}"] for c in (
        "[{metric: 'summary:final.test.loss', a: ae2, b: nobody}]", "[{metric: 'summary:final.test.loss', a: ae2, b: ae2}]",
        "[{metric: 'summary', a: ae2, b: ae64}]", "[{metric: 'summary:x', a: ae2, b: ae64, better: more}]",
        "[{metric: 'summary:x', a: ae2, b: ae64, typo: 1}]", "x", "[1]")],
    [*SWEEP], [*SWEEP, "--vary", "nokey"], [*SWEEP, "--vary", "=1,2"], [*SWEEP, "--vary", f"{LATENT}="],
    [*SWEEP, "--vary", "seed=1,2"], [*SWEEP, "--vary", f"{LATENT}=2,2"],
    [*SWEEP, "--vary", f"{LATENT}=2,4", "--vary", f"{LATENT}=8"],
    [*SWEEP, "--vary", f"{LATENT}=[1,2],3"], [*SWEEP, "--vary", f"{LATENT}={{a: 1}}"],
    [*SWEEP, "--vary", "models.nobody.params.latent_dim=2,4"],
    [*SWEEP, "--vary", "train.nosuchkey=1,2"],
    [*SWEEP, "--vary", f"{LATENT}=2,-4"], [*SWEEP, "--vary", f"{LATENT}=2,x"],
    [*SWEEP, "--vary", "train.lr=0.001,0"], [*SWEEP, "--vary", "data.val_size=100,60000"],
    [*SWEEP, "--vary", "train.epochs=1,2", "--vary", f"{LATENT}=2,-1"],
    [*SWEEP, "--vary", "train.epochs=" + ",".join(map(str, range(1, 40))), "--seeds", "30"],
    ["compare"], ["compare", "/nonexistent/a", "/nonexistent/b"],
]


@pytest.fixture
def refuse_creation(monkeypatch):
    def reached(*args, **kwargs):
        raise Reached
    monkeypatch.setattr(orchestrate, "_create", reached)


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c[1:])[:80] for c in CASES])
def test_bad_experiment_input(argv, tmp_path, capsys, refuse_creation, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default runs/ folder would land here
    out = tmp_path / "exp"
    extra = [] if argv[0] == "compare" or "--out" in argv else ["--out", str(out)]
    try:
        code = cli.main([*argv, *extra])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("genlab: error:"), err
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == [], os.listdir(tmp_path)


def test_compare_needs_run_folders(tmp_path, capsys):
    for a, b in itertools.permutations([tmp_path / "x", tmp_path / "y"]):
        a.mkdir(exist_ok=True)
        b.mkdir(exist_ok=True)
        assert cli.main(["compare", str(a), str(b), "--out", str(tmp_path / "c")]) == 2
        assert "not a genlab run folder" in capsys.readouterr().err

"""`--executor slurm` against a real one-node SLURM cluster from Debian's packages
(scripts/slurm_single_node.sh, run here as root when no cluster answers): a two-seed conv
experiment through the real CLI gives the numbers the local executor gives; options that
submitit or the cluster refuse, no submitit, no sbatch: one line, exit 2, nothing written.

Skipped, with the reason, only where this machine cannot have the cluster (not root, no
apt-get, packages not installable) or lacks the `slurm` extra; GENLAB_REQUIRE_SLURM=1 turns
those skips into failures."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from cli_helpers import ROOT, assert_clean_error, run_cli
from genlab.cli import main
from genlab.errors import GenlabError
from genlab.experiments import executors, slurm

SCRIPT = ROOT / "scripts" / "slurm_single_node.sh"
CANNOT = 3  # the script's exit code where this machine cannot have the cluster
UP = ("idle", "mixed", "allocated", "completing")
CONV = ["--quick", "--device", "cpu", "--set", "data.train_subset=400", "--set", "data.val_size=200",
        "--set", "data.test_subset=300", "--set", "train.epochs=1", "--set", "analysis.tsne.points=60",
        "--set", "analysis.frozen_classifiers.probe_train_size=300", "--set", "analysis.noise_robustness.images=100",
        "--set", "analysis.noise_robustness.factors=[0.0,0.5,1.0]", "--set", "analysis.frozen_classifiers.head.epochs=2",
        "--set", "analysis.frozen_classifiers.head.hidden=[32]"]


def _skip(reason: str):
    if os.environ.get("GENLAB_REQUIRE_SLURM"):
        pytest.fail(f"a SLURM cluster is required here (GENLAB_REQUIRE_SLURM=1): {reason}")
    pytest.skip(reason)


def _node_up() -> str | None:
    """The first node's sinfo line when a node of the default partition is up, else None."""
    if shutil.which("sinfo") is None:
        return None
    try:
        result = subprocess.run(["sinfo", "--noheader", "--format=%P %T %N %c"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None
    for line in result.stdout.splitlines() if result.returncode == 0 else []:
        fields = line.split()
        if len(fields) >= 2 and fields[0].endswith("*") and fields[1].rstrip("*~#!%$@^-") in UP:
            return line.strip()
    return None


@pytest.fixture(scope="module")
def cluster() -> str:
    """A SLURM cluster whose default partition has a node up: the one this machine belongs
    to, or the one-node cluster scripts/slurm_single_node.sh makes of this machine."""
    try:
        import submitit  # noqa: F401
    except ImportError:
        _skip("submitit not installed: `uv sync --extra slurm` (scripts/setup.sh installs every extra)")
    line = _node_up()
    if line:
        return line
    if os.geteuid() != 0:
        _skip("no SLURM cluster answers and this is not root: run `sudo scripts/slurm_single_node.sh` first")
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        _skip("no SLURM cluster answers and no apt-get to install Debian's slurm-wlm")
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=900)
    if result.returncode == CANNOT:
        _skip(result.stderr.strip().splitlines()[-1])
    assert result.returncode == 0, f"{SCRIPT.name} failed:\n{result.stdout}{result.stderr}"
    line = _node_up()
    assert line, f"{SCRIPT.name} succeeded but sinfo shows no node up:\n{result.stdout}"
    return line


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return {"GENLAB_CACHE": str(tmp_path_factory.mktemp("cache"))}


def _rows(exp) -> dict:
    with (exp / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    keyed = {(r["trial"], r["model"], r["metric"]): (r["seed"], r["value"]) for r in rows}
    assert len(keyed) == len(rows), "results.csv repeats a (trial, model, metric) row"
    return keyed


def test_slurm_experiment_gives_the_local_numbers(cluster, cache, tmp_path):
    """Both executors at one thread per trial (SLURM: cpus_per_task=1, the default; local:
    as many trials at once as cores), so the numbers must be equal, not just close."""
    out_slurm, out_local = tmp_path / "slurm", tmp_path / "local"
    common = ["run", "conv", "--seeds", "2", *CONV]
    with ThreadPoolExecutor(2) as pool:
        on_slurm = pool.submit(run_cli, *common, "--out", str(out_slurm), "--executor", "slurm",
                               "--slurm", "timeout_min=10", timeout=600, env=cache)
        local = pool.submit(run_cli, *common, "--out", str(out_local), "--jobs", str(executors.cpu_cores()),
                            timeout=600, env=cache)
        on_slurm, local = on_slurm.result(), local.result()
    assert on_slurm.returncode == 0, on_slurm.stdout[-2000:] + on_slurm.stderr[-3000:]
    assert local.returncode == 0, local.stderr[-3000:]
    assert "(slurm job array)" in on_slurm.stderr and "2/2 done, 0 running, 0 failed" in on_slurm.stderr
    assert "submitit" not in on_slurm.stdout + on_slurm.stderr  # no sacct warnings from submitit's own polling

    logs = out_slurm / "logs" / "slurm"  # submitit's files for one job array of two tasks
    results = sorted(p.name for p in logs.glob("*_result.pkl"))
    assert len(results) == 2, sorted(p.name for p in logs.iterdir())
    array = results[0].split("_")[0]
    assert results == [f"{array}_0_0_result.pkl", f"{array}_1_0_result.pkl"]
    assert (logs / f"{array}_submission.sh").is_file()
    for task in (0, 1):
        assert (logs / f"{array}_{task}_0_log.out").is_file() and (logs / f"{array}_{task}_0_log.err").is_file()
    for trial in ("seed0", "seed1"):
        assert (out_slurm / "trials" / trial / "report.html").is_file()
        assert (out_slurm / "logs" / f"{trial}.log").stat().st_size > 0

    for out in (out_slurm, out_local):  # the premise: torch ran one thread in every trial of both
        for trial in ("seed0", "seed1"):
            assert json.loads((out / "trials" / trial / "environment.json").read_text())["torch_threads"] == 1

    # Exact: with 2 threads instead of 1, 170 of 454 values differ (up to 13% relative) on a 2-core box
    slurm_rows, local_rows = _rows(out_slurm), _rows(out_local)
    assert slurm_rows.keys() == local_rows.keys()
    assert {trial for trial, _, _ in slurm_rows} == {"seed0", "seed1"}
    differ = {key: (slurm_rows[key], local_rows[key]) for key in slurm_rows if slurm_rows[key] != local_rows[key]}
    assert not differ, f"{len(differ)} of {len(slurm_rows)} values differ, e.g. {list(differ.items())[:5]}"


@pytest.mark.parametrize("option, fragment", [
    ("nosuchoption=3", "nosuchoption"),  # submitit: not a parameter of its slurm executor
    ("partition=nosuchpartition", "invalid partition"),  # the cluster itself (sbatch --test-only)
])
def test_refused_slurm_option_is_one_line_and_writes_nothing(cluster, cache, tmp_path, option, fragment):
    out = tmp_path / "exp"
    result = run_cli("run", "conv", "--seeds", "2", *CONV, "--out", str(out), "--executor", "slurm",
                     "--slurm", option, timeout=300, env=cache)
    assert result.returncode == 2
    assert_clean_error(result, fragment)
    assert not out.exists() and not any(tmp_path.iterdir())


@pytest.mark.parametrize("options, fragment", [
    ({"nosuchoption": 3}, "unknown option 'nosuchoption'"),
    ({"timeout_min": "abc"}, "timeout_min"),
    ({"cpus_per_task": 1.5}, "cpus_per_task"),
    ({"partition": "nosuchpartition"}, "invalid partition"),
    ({"cpus_per_task": 100000}, "the cluster refuses"),
])
def test_check_available_refuses_in_one_line(cluster, options, fragment):
    with pytest.raises(GenlabError) as info:
        slurm.check_available(options)
    message = str(info.value)
    assert "\n" not in message and fragment.lower() in message.lower(), message


def test_check_available_accepts_the_defaults(cluster):
    slurm.check_available({})
    slurm.check_available({"timeout_min": 5, "cpus_per_task": 1, "partition": cluster.split()[0].rstrip("*")})


def test_failed_trials_on_slurm_report_their_own_error(cluster, tmp_path):
    """The array's tasks run `genlab run` on configs that do not exist: each comes back
    failed with the trial's one-line error, not submitit's traceback."""
    jobs = [executors.TrialJob(f"t{i}", ["run", str(tmp_path / f"missing{i}.yaml"), "--out", str(tmp_path / f"o{i}")],
                               tmp_path / "logs" / f"t{i}.log", tmp_path / f"o{i}") for i in range(2)]
    seen = []
    outcomes = slurm.run(jobs, {"timeout_min": 5}, tmp_path / "logs" / "slurm", lambda *state: seen.append(state))
    assert [o.id for o in outcomes] == ["t0", "t1"]
    for o in outcomes:
        assert o.status == executors.FAILED
        assert o.error.startswith("genlab: error:") and f"missing{o.id[1]}.yaml" in o.error
    assert seen[-1][:3] == (0, 0, 2)


def _main_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("genlab: error: "), err
    return lines[0]


def test_no_sbatch_on_path_is_one_line(monkeypatch, capsys, tmp_path):
    pytest.importorskip("submitit", reason="without submitit the first missing piece is submitit (next test)")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "exp"
    line = _main_error(capsys, ["run", "conv", "--seeds", "2", *CONV, "--out", str(out), "--executor", "slurm"])
    assert "no `sbatch` on PATH" in line and "--executor local" in line
    assert not out.exists()


def test_no_submitit_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "submitit", None)  # `import submitit` raises ImportError
    out = tmp_path / "exp"
    line = _main_error(capsys, ["run", "conv", "--seeds", "2", *CONV, "--out", str(out), "--executor", "slurm"])
    assert "needs submitit" in line and "--extra slurm" in line
    assert not out.exists()


def test_requeued_task_continues_its_trial(monkeypatch, tmp_path):
    """A task SLURM requeues (preemption) starts again with the argv it was submitted with;
    finding its trial folder begun, it adds --resume instead of failing on the folder."""
    commands = []
    monkeypatch.setattr(slurm.subprocess, "run", lambda cmd, **kw: commands.append((cmd, kw["env"])) or
                        subprocess.CompletedProcess(cmd, 0))
    out = tmp_path / "trial"
    argv = ["run", "cfg.yaml", "--out", str(out), "--device", "cpu", "--no-progress"]
    assert slurm.run_trial(argv, str(tmp_path / "a.log"), 3) == 0
    out.mkdir()
    (out / "config.yaml").write_text("seed: 0\n")
    slurm.run_trial(argv, str(tmp_path / "a.log"), 3)
    (first, env), (second, _) = commands
    assert "--resume" not in first and second.count("--resume") == 1
    assert first[-2:] == second[-2:] == ["--threads", "3"]
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "3"

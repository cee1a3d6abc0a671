"""A generator of bad study files and `--set` values, each run through `genlab run` far
enough to pass or fail preflight: no traceback, every failure one `genlab: error:` line
with exit code 2, no run folder left behind, each failure in under 5 s.

Most cases call the CLI in-process (`genlab.cli.main`); a case that passes preflight is
stopped right after its run folder is created (the runner's `execute` seam raises a
sentinel), so nothing trains. A handful go through a real subprocess as a user would.
Run with `-s` to see the summary (cases, clean, ran, tracebacks, leftovers, slowest).
"""
from __future__ import annotations

import copy
import time
import traceback
from pathlib import Path

import pytest
import yaml

from cli_helpers import assert_clean_error, run_cli
from genlab import cli
from genlab.config import STUDY_DIR
from genlab.studies import runner

STUDIES = ("dense", "conv", "gen", "kitti")
MAX_ERROR_S = 5.0


class Ran(Exception):
    """Raised where training would start: the case passed preflight."""


def shipped(study: str) -> dict:
    return yaml.safe_load((STUDY_DIR / f"{study}.yaml").read_text())


BILLION_LAUGHS = "study: dense\nbomb: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"b{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
SET_BOMB = "[" + ", ".join(f"&a{i} [{', '.join([f'*a{i - 1}'] * 9) if i else '1'}]" for i in range(9)) + "]"
BAD_NUMBERS = (-1, 0, "x", 1.5, 10**26, None, [1], {"a": 1}, True, float("nan"), float("inf"))
TRAIN_BAD = {
    "epochs": (0, -1, "x", 1.5, 10**26, None, 10**9, 100_001), "batch_size": (0, -3, "big", 100_000, 10**9), "lr": (0, -1, 100, "fast", float("nan")),
    "betas": ([2, 0.999], [0.9], "x", [float("nan"), 0.9]), "weight_decay": (-1, "x"), "eval_batch_size": (0, -5, 10**7),
    "momentum": (1.5, -0.1), "optimizer": ("rmsprop", 5), "schedule": ("step",), "steps": ({"x": 0}, 5, {"x": "a"}),
    "precision": ("float16", "fp32", 16, None, True),
    "keep_checkpoints": (0, 10**6), "tensorboard": ("yes",), "epoch": (3,),
}
PARAMS_BAD = {
    "latent_dim": (-3, 0, "x", 1.5, 10**9), "hidden": ([], [0], "x", [-1]), "reconstruction": ("l1",),
    "beta": ("x", -1), "noise_factor": (-1, float("nan")), "upsample": ("x",), "norm": ("layer",), "act": ("swish",),
    "latent_act": ("swish",), "prior": ("cauchy",), "nosuch": (1,), "weights": (5,), "imgsz": (-1, "x"),
}


def file_cases(study: str) -> list[tuple[str, bytes | dict]]:
    """(label, study file as a mapping or raw bytes) — mutations of the shipped file."""
    base, cases = shipped(study), []

    def mutate(label, fn):
        raw = copy.deepcopy(base)
        fn(raw)
        cases.append((label, raw))

    for key in ("sed", "learning_rate", "model", "epochs"):
        mutate(f"unknown top key {key}", lambda r, k=key: r.__setitem__(k, 1))
    for key in ("seed", "title", "study", "data", "models", "analysis", "train"):
        for value in ("x", 5, [], [1], {"a": 1}, -1, 10**26):
            mutate(f"top {key}={value!r}", lambda r, k=key, v=value: r.__setitem__(k, v))
    for key, values in {"dataset": ("mnist", 5), "val_size": (-1, 60000, "x", 10**26), "train_subset": (0, -5, 10**9),
                        "test_subset": (0, 20000), "root": (5,), "data_dir": (5,), "nosuch": (1,)}.items():
        for value in values:
            mutate(f"data.{key}={value!r}", lambda r, k=key, v=value: r["data"].__setitem__(k, v))
    for key, values in TRAIN_BAD.items():
        for value in values:
            mutate(f"train.{key}={value!r}", lambda r, k=key, v=value: r.setdefault("train", {}).__setitem__(k, v))
    first = base["models"][0]["name"]
    for key, values in {"name": (5, "a b", "", "x" * 300, None, first), "model": ("nosuch", 5, None),
                        "params": (5, "x"), "title": (5,), "nosuch": (1,)}.items():
        for value in values:
            mutate(f"models[0].{key}={value!r}", lambda r, k=key, v=value: r["models"][0].__setitem__(k, v))
    mutate("models[0] deleted name", lambda r: r["models"][0].pop("name"))
    mutate("duplicate model", lambda r: r["models"].append(copy.deepcopy(r["models"][0])))
    mutate("model entry a list", lambda r: r["models"].__setitem__(0, [1]))
    for key in ("reconstruction_pairs", "tsne", "latent_2d", "synth_n", "nosuch_setting"):
        for value in (-1, 0, "x"):
            mutate(f"analysis.{key}={value!r}", lambda r, k=key, v=value: r.setdefault("analysis", {}).__setitem__(k, v))
    for key in ("reconstruction_pairs.images", "tsne.points", "latent_2d.scatter_points", "generation.samples",
                "samples.snapshots", "noise_robustness.factors", "frozen_classifiers.knn_k", "generation.enabled"):
        section, name = key.split(".")
        for value in (-1, 0, "x", [1]):
            mutate(f"analysis.{key}={value!r}",
                   lambda r, s=section, k=name, v=value: r.setdefault("analysis", {}).setdefault(s, {}).__setitem__(k, v))
    text = yaml.safe_dump(base).encode()
    cases += [("non-UTF-8 byte", b"\xff" + text), ("UTF-16", text.decode().encode("utf-16")),
              ("latin-1 title", text + "title: caf\xe9\n".encode("latin-1")), ("empty file", b""),
              ("top-level list", b"- a\n- b\n"), ("scalar", b"42\n"), ("NUL bytes", b"study: \x00\x00\n"),
              ("billion laughs", BILLION_LAUGHS.replace("dense", study).encode()),
              ("[ nested 5000 deep", b"study: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
              ("{a: nested 200 deep", b"x: " + b"{a: " * 200 + b"1" + b"}" * 200 + b"\n"),
              ("invalid YAML", b"study: [unclosed\n"), ("tab indent", b"study: dense\ndata:\n\tval_size: 3\n")]
    return cases


def flow(value) -> str:
    """A value as one line of YAML, the way a user types it after `--set key=`."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def set_cases(study: str) -> list[tuple[str, list[str]]]:
    """(label, extra CLI args) — `--set` values and options on the shipped study."""
    base = shipped(study)
    cases: list[tuple[str, list[str]]] = []
    for key, values in TRAIN_BAD.items():
        for value in values:
            cases.append((f"--set train.{key}", ["--set", f"train.{key}={flow(value)}"]))
    for spec in base["models"][:2]:
        for key, values in PARAMS_BAD.items():
            for value in values[:2]:
                text = flow(value)
                cases.append((f"--set models.{spec['name']}.params.{key}={text}",
                               ["--set", f"models.{spec['name']}.params.{key}={text}"]))
    for value in ("-1", str(10**26), "x", "1.5"):
        cases.append((f"--seed {value}", ["--seed", value]))
        cases.append((f"--set seed={value}", ["--set", f"seed={value}"]))
    for args in (["--threads", "0"], ["--threads", "-2"], ["--threads", "x"], ["--device", "tpu"], ["--device", ""],
                 ["--set", "noequals"], ["--set", "=5"], ["--set", ".a=1"], ["--set", "a..b=1"],
                 ["--set", "models.nosuch.train.lr=1"], ["--set", "data=5"], ["--set", "data.val_size=60000"],
                 ["--set", "data.val_size=0"], ["--set", "analysis.split=1.5"], ["--set", "analysis.split=0"],
                 ["--data-dir", "/nonexistent/genlab-data"], ["--device", "cuda"],
                 ["--set", "models.transfer.params.weights=/nonexistent/w.pt"],
                 ["--set", f"train.lr={SET_BOMB}"], ["--set", "train.lr=" + "[" * 5000 + "]" * 5000],
                 ["--set", "models=[]"], ["--set", "analysis.nosuch=1"], ["--set", "seed=[1"]):
        cases.append((" ".join(args)[:60], args))
    return cases


def passing_cases(study: str) -> list[tuple[str, list[str]]]:
    """Good input: passes preflight and reaches training (stopped there)."""
    return [("quick", ["--quick"]), ("quick seed 3", ["--quick", "--seed", "3"]),
            ("quick epochs 1", ["--quick", "--set", "train.epochs=1"])]


def _run_case(args: list[str], out: Path, capsys) -> dict:
    start = time.perf_counter()
    outcome = {"code": None, "traceback": None, "ran": False}
    try:
        outcome["code"] = cli.main([*args, "--out", str(out), "--no-progress"])
    except Ran:
        outcome["ran"] = True
    except SystemExit as exc:
        outcome["code"] = exc.code
    except Exception:  # noqa: BLE001 - exactly what this test counts
        outcome["traceback"] = traceback.format_exc()
    outcome["seconds"] = time.perf_counter() - start
    outcome["stderr"] = capsys.readouterr().err
    return outcome


@pytest.fixture
def stop_before_training(monkeypatch):
    def execute(study, ctx):
        assert (ctx.run.path / "config.yaml").is_file()  # the run folder exists, after every check
        raise Ran

    monkeypatch.setattr(runner, "execute", execute)


def _all_cases(tmp_path: Path) -> list[tuple[str, str, list[str]]]:
    cases = []
    for study in STUDIES:
        for i, (label, content) in enumerate(file_cases(study)):
            path = tmp_path / "studies" / f"{study}_{i}.yaml"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else yaml.safe_dump(content).encode())
            cases.append((study, f"file: {label}", ["run", str(path)]))
        cases += [(study, label, ["run", study, *args]) for label, args in set_cases(study)]
    return cases


def test_fuzzed_inputs_fail_cleanly_before_the_run_folder(tmp_path, capsys, stop_before_training):
    for study in STUDIES:  # warm up: imports and data loading are paid once, not by the first timed case
        for label, args in passing_cases(study):
            result = _run_case(["run", study, *args], tmp_path / "warm", capsys)
            assert result["ran"] and result["traceback"] is None, (study, label, result["stderr"], result["traceback"])
            assert not (tmp_path / "warm").exists(), "a run stopped before its first epoch must leave no folder"
    cases = _all_cases(tmp_path)
    assert len(cases) >= 300
    counts = {"cases": len(cases), "clean": 0, "ran": 0, "tracebacks": 0, "leftovers": 0}
    slowest, problems, ran = (0.0, ""), [], []
    for n, (study, label, args) in enumerate(cases):
        out = tmp_path / "out" / f"r{n}"
        result = _run_case(args, out, capsys)
        lines = [line for line in result["stderr"].splitlines() if line.strip()]
        if out.exists():
            counts["leftovers"] += 1
            problems.append(f"{study} {label}: left {out}")
        if result["traceback"]:
            counts["tracebacks"] += 1
            problems.append(f"{study} {label}: {result['traceback'].strip().splitlines()[-1]}")
        elif result["ran"]:
            counts["ran"] += 1
            ran.append(f"{study} {label}")
        elif result["code"] == 2 and len(lines) == 1 and lines[0].startswith("genlab: error: "):
            counts["clean"] += 1
            slowest = max(slowest, (result["seconds"], f"{study} {label}"))
        else:
            problems.append(f"{study} {label}: exit {result['code']}, stderr {result['stderr'][-300:]!r}")
    print(f"\nfuzz: {counts}, slowest error {slowest[0]:.2f} s ({slowest[1]})\npassed preflight: {'; '.join(ran)}")
    assert not problems, "\n".join(problems[:30])
    assert slowest[0] < MAX_ERROR_S, slowest


@pytest.mark.parametrize("study,content", [
    ("dense", b"\xffstudy: dense\n"),
    ("dense", BILLION_LAUGHS.encode()),
    ("conv", b"study: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
])
def test_bad_study_files_in_a_real_process(tmp_path, study, content):
    path = tmp_path / "study.yaml"
    path.write_bytes(content)
    assert_clean_error(run_cli("run", str(path), "--out", str(tmp_path / "run")))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args,fragment", [
    (["dense", "--seed", "-1"], "seed must be"),
    (["conv", "--set", "models.ae.params.upsample=x"], "upsample='x': must be one of"),
    (["dense", "--device", "tpu"], "--device 'tpu'"),
    (["kitti", "--threads", "0"], "--threads must be"),
])
def test_bad_options_in_a_real_process(tmp_path, args, fragment):
    assert_clean_error(run_cli("run", *args, "--out", str(tmp_path / "run")), fragment)
    assert not (tmp_path / "run").exists()

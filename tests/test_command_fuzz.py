"""Every command besides `run` (which tests/test_bad_inputs_fuzz.py fuzzes with its study files
and `--set` values) given bad flags, bad paths and damaged run folders, generated in bulk:
each ends in one `genlab: error:` line with exit code 2, no traceback, nothing written and
the run folder it read unchanged (issue 23). Run with `-s` for the counts and the slowest."""
from __future__ import annotations

import importlib
import importlib.util
import io
import shutil
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from cli_helpers import run_cli
from run_helpers import TINY as ONE_MODEL
from run_helpers import damages
from genlab import cli

MAX_ERROR_S = 5.0
WARM = ("genlab.studies.dense", "genlab.studies.conv", "genlab.studies.gen", "genlab.studies.kitti",
        "genlab.generation.commands", "genlab.generation.evaluate", "genlab.experiments.orchestrate",
        "genlab.report.page")
# run_helpers' one-model study with a VAE beside its AE (sample and evaluate need a generator)
TINY = yaml.safe_dump({**yaml.safe_load(ONE_MODEL), "models": [*yaml.safe_load(ONE_MODEL)["models"],
                       {"name": "vae", "model": "dense_vae", "params": {"latent_dim": 4, "hidden": [32]}}]})
BAD_COUNTS = ("0", "-1", "x", "1.5", "", "1e3", "99999999999999999999", "nan", "2000000000")
BAD_SEEDS = ("-1", "x", "1.5", "", "99999999999999999999")
BAD_NAMES = ("nosuch", "", "../ae", "ae;rm", "AE", " ae")
DAMAGE = {**damages("vae"),
          "empty config": ("config.yaml", b""),
          "empty final.pt": ("models/vae/final.pt", b""),
          "garbage final.pt": ("models/vae/final.pt", b"not a checkpoint" * 10)}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished tiny dense run (an AE and a VAE, two epochs each), trained by the real CLI."""
    folder = tmp_path_factory.mktemp("fuzz-commands")
    (folder / "tiny.yaml").write_text(TINY)
    result = run_cli("run", str(folder / "tiny.yaml"), "--out", str(folder / "run"), "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder / "run"


def flag_cases(run: Path, scratch: Path) -> list[tuple[str, list[str]]]:
    """(label, argv) for bad flags and paths of every command but `run`."""
    (scratch / "a_file").write_text("x")
    (scratch / "full").mkdir()
    (scratch / "full" / "x").write_text("x")
    (scratch / "empty").mkdir()
    file, full, empty, missing = (str(scratch / p) for p in ("a_file", "full", "empty", "missing"))
    under_file, out = str(scratch / "a_file" / "x.npz"), str(scratch / "new.npz")
    r = str(run)
    cases = []
    add = lambda label, *argv: cases.append((label, list(argv)))  # noqa: E731
    for folder, what in ((missing, "missing"), (file, "a file"), (empty, "empty")):
        add(f"sample: run folder {what}", "sample", folder, "--model", "vae", "--out", out)
        add(f"evaluate: run folder {what}", "evaluate", folder)
        add(f"report: folder {what}", "report", folder)
        add(f"export: run folder {what}", "export", folder)
        add(f"compare: folder {what}", "compare", r, folder, "--out", str(scratch / "cmp"))
        add(f"detect eval: run folder {what}", "detect", "eval", folder)
        add(f"log: folder {what}", "log", folder, "--mlflow")
    for n in BAD_COUNTS:
        add(f"sample --n {n!r}", "sample", r, "--model", "vae", "--n", n, "--out", out)
        add(f"evaluate --n {n!r}", "evaluate", r, "--n", n)
        add(f"evaluate --inception-n {n!r}", "evaluate", r, "--inception-n", n, "--inception-weights", missing)
        add(f"kitti synth --n {n!r}", "kitti", "synth", str(scratch / "synth"), "--n", n)
        add(f"bench --images {n!r}", "bench", "--images", n)
        add(f"metrics-net --threads {n!r}", "metrics-net", "--threads", n)
    for n in ("5", "9", "20000", "300000"):
        add(f"evaluate --n {n} (outside 10..test size)", "evaluate", r, "--n", n)
    for seed in BAD_SEEDS:
        add(f"sample --seed {seed!r}", "sample", r, "--model", "vae", "--seed", seed, "--out", out)
        add(f"evaluate --seed {seed!r}", "evaluate", r, "--seed", seed)
        add(f"kitti synth --seed {seed!r}", "kitti", "synth", str(scratch / "synth"), "--seed", seed)
        add(f"kitti convert --seed {seed!r}", "kitti", "convert", missing, str(scratch / "conv"), "--seed", seed)
    for name in BAD_NAMES:
        add(f"sample --model {name!r}", "sample", r, "--model", name, "--out", out)
        add(f"evaluate --models {name!r}", "evaluate", r, "--models", name)
        add(f"models {name!r}", "models", name)
        add(f"data --dataset {name!r}", "data", "--dataset", name)
        add(f"metrics-net --dataset {name!r}", "metrics-net", "--dataset", name)
        add(f"bench --study {name!r}", "bench", "--study", name)
        add(f"bench --models {name!r}", "bench", "--models", name)
        add(f"models --dataset {name!r}", "models", "dense_ae", "--dataset", name)
        add(f"data export {name!r}", "data", "export", name, str(scratch / "exp"), "--as", "npz")
        add(f"detect eval --model {name!r} (not a kitti run)", "detect", "eval", r, "--model", name)
        add(f"sweep {name!r}", "sweep", name, "--set", "train.epochs=1,2")
    # targets each command must refuse (an empty folder, or a file to replace, are fine targets)
    for path, what in ((under_file, "under a file"), (full, "a folder that holds files"), (file, "an existing file")):
        if path != file:
            add(f"sample --out {what}", "sample", r, "--model", "vae", "--n", "4", "--out", path)
            add(f"sample --grid {what}", "sample", r, "--model", "vae", "--n", "4", "--grid", path)
        if path != full:
            add(f"export --out {what}", "export", r, "--out", path)
        add(f"compare --out {what}", "compare", r, r, "--out", path)
        add(f"kitti synth into {what}", "kitti", "synth", path, "--n", "2")
        add(f"kitti convert into {what}", "kitti", "convert", missing, path)
        add(f"data export into {what}", "data", "export", "fashion_mnist", path, "--as", "image_folder")
    for value in ("cauchy", "uniform", ""):
        add(f"sample --prior {value!r} (a VAE)", "sample", r, "--model", "vae", "--prior", value, "--out", out)
    add("sample without --out or --grid", "sample", r, "--model", "vae")
    add("sample without --model", "sample", r, "--out", out)
    add("evaluate --inception-weights missing", "evaluate", r, "--inception-weights", missing)
    add("evaluate --inception-weights a folder", "evaluate", r, "--inception-weights", empty)
    for fmt in ("pdf", "", "CSV"):
        add(f"export --format {fmt!r}", "export", r, "--format", fmt)
    for size in ("12x", "0x0", "axb", "-5x10", "100000x100000", "1242", ""):
        add(f"kitti synth --size {size!r}", "kitti", "synth", str(scratch / "synth"), "--size", size)
    for style in ("night", "", "DAY"):
        add(f"kitti synth --style {style!r}", "kitti", "synth", str(scratch / "synth"), "--style", style)
    for split in ("0", "1", "1.5", "-0.2", "x", "nan"):
        add(f"kitti convert --split {split!r}", "kitti", "convert", missing, str(scratch / "conv"), "--split", split)
    add("kitti convert: root missing", "kitti", "convert", missing, str(scratch / "conv"))
    add("kitti convert: root is a file", "kitti", "convert", file, str(scratch / "conv"))
    add("kitti convert: root without images", "kitti", "convert", empty, str(scratch / "conv"))
    for device in ("tpu", "cuda:x", "", "0,-1"):
        add(f"detect eval --device {device!r}", "detect", "eval", r, "--device", device)
        add(f"bench --device {device!r}", "bench", "--device", device)
    for kind in ("", "tgz", "image-folder"):
        add(f"data export --as {kind!r}", "data", "export", "fashion_mnist", str(scratch / "exp"), "--as", kind)
    for setting in ("image_size=0", "image_size=x", "nosuch=1", "noequals", "=1", "image_size=99999"):
        add(f"data --set {setting!r}", "data", "--dataset", "fashion_mnist", "--set", setting)
    add("data --data-dir missing", "data", "--dataset", "fashion_mnist", "--data-dir", missing)
    add("data --data-dir empty", "data", "--dataset", "fashion_mnist", "--data-dir", empty)
    add("metrics-net --write-shipped without --retrain", "metrics-net", "--write-shipped", str(scratch / "ship"))
    add("metrics-net --data-dir missing", "metrics-net", "--data-dir", missing)
    add("bench --run missing", "bench", "--floor", "--run", missing)
    add("bench --run not a run", "bench", "--floor", "--run", empty)
    add("bench --out under a file", "bench", "--out", under_file, "--images", "10")
    for shell in ("tcsh", "", "pwsh"):
        add(f"completion {shell!r}", "completion", shell)
    for setting in ("train.epochs", "train.epochs=", "train.epochs=1,x", "nosuch=1,2", "train.epochs=[1"):
        add(f"sweep --set {setting!r}", "sweep", "dense", "--quick", "--set", setting, "--out", str(scratch / "sw"))
    add("log without --mlflow", "log", r)
    add("compare a run with itself and nothing else", "compare", r, "--out", str(scratch / "cmp1"))
    add("an unknown command", "frobnicate")
    add("an unknown flag", "sample", r, "--model", "vae", "--out", out, "--frob")
    return cases


def run_flag_cases(scratch: Path) -> list[tuple[str, list[str]]]:
    """(label, argv) for `genlab run`'s own flags (its study files and --set are fuzzed in
    test_bad_inputs_fuzz.py), for every shipped study."""
    cases = []
    file, empty, missing = (str(scratch / p) for p in ("a_file", "empty", "missing"))
    for study in ("dense", "conv", "gen", "kitti"):
        out = ["--out", str(scratch / f"run-{study}")]
        for value in BAD_COUNTS:
            cases += [(f"run {study} --seeds {value!r}", ["run", study, "--seeds", value, *out]),
                      (f"run {study} --jobs {value!r}", ["run", study, "--seeds", "2", "--jobs", value, *out]),
                      (f"run {study} --threads {value!r}", ["run", study, "--threads", value, *out])]
        for seed in BAD_SEEDS:
            cases.append((f"run {study} --seed {seed!r}", ["run", study, "--seed", seed, *out]))
        for device in ("tpu", "cuda:x", "", "0,-1", "0,0"):
            cases.append((f"run {study} --device {device!r}", ["run", study, "--device", device, *out]))
        for path, what in ((missing, "missing"), (empty, "empty"), (file, "a file")):
            cases.append((f"run {study} --data-dir {what}", ["run", study, "--data-dir", path, *out]))
            cases.append((f"run {study} --resume of a folder {what}", ["run", study, "--resume", "--out", path]))
        for executor in ("pbs", ""):
            cases.append((f"run {study} --executor {executor!r}", ["run", study, "--seeds", "2", "--executor", executor, *out]))
        for slurm in ("partition", "=gpu", "a=1,,b"):
            cases.append((f"run {study} --slurm {slurm!r}", ["run", study, "--seeds", "2", "--executor", "slurm",
                                                              "--slurm", slurm, *out]))
        cases.append((f"run {study} --jobs without --seeds", ["run", study, "--jobs", "2", *out]))
        cases.append((f"run {study} --out under a file", ["run", study, "--out", str(scratch / "a_file" / "run")]))
    return cases


# which commands must refuse a damaged file (the others may not read it: they may succeed);
# `run --resume` may also repair what it finds and go on to train
READERS = {"config.yaml": {"report", "evaluate", "export", "sample", "compare", "log", "run"},
           "metrics.json": {"report", "evaluate", "export", "sample", "compare", "log"},
           "metrics.jsonl": {"report", "evaluate", "export", "sample", "compare", "log"},
           "summary.json": {"report", "evaluate", "export", "sample", "compare", "log"},
           "final.pt": {"evaluate", "sample"}}


def damage_cases(run: Path, scratch: Path) -> list[tuple[str, list[str], bool]]:
    """(label, argv, must refuse) for every command that reads a run folder, on each kind of
    damaged copy (`run --resume` last: it may repair the copy)."""
    cases = []
    for i, (label, (name, content)) in enumerate(DAMAGE.items()):
        copy = scratch / f"damaged{i}"
        shutil.copytree(run, copy)
        (copy / name).write_bytes(content)
        c = str(copy)
        for command in (["report", c], ["evaluate", c, "--n", "10"], ["export", c, "--out", str(scratch / f"x{i}")],
                        ["sample", c, "--model", "vae", "--n", "4", "--out", str(scratch / f"s{i}.npz")],
                        ["compare", str(run), c, "--out", str(scratch / f"cmp{i}")],
                        *([["log", c, "--mlflow"]] if importlib.util.find_spec("mlflow") else []),
                        ["run", str(scratch / "tiny.yaml"), "--out", c, "--resume", "--no-progress"]):
            cases.append((f"{command[0]} on {label}", command, command[0] in READERS[Path(name).name]))
    return cases


def snapshot(folder: Path) -> dict:
    """Every file under `folder` with its size and time (a lock made and removed leaves none)."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}


def run_case(argv: list[str]) -> dict:
    err, out = io.StringIO(), io.StringIO()
    start, trace = time.perf_counter(), None
    try:
        with redirect_stderr(err), redirect_stdout(out):
            code = cli.main(argv)
    except SystemExit as exit_:
        code = exit_.code
    except BaseException:  # noqa: BLE001 - what the fuzz looks for
        code, trace = None, traceback.format_exc()
    return {"code": code, "stderr": err.getvalue(), "seconds": time.perf_counter() - start, "traceback": trace}


def test_every_command_refuses_bad_input_in_one_line(finished, tmp_path, monkeypatch, stop_before_training):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    monkeypatch.chdir(tmp_path)  # a command that wrote to ./runs would show up here
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.copy(finished.parent / "tiny.yaml", scratch / "tiny.yaml")
    for module in WARM:  # imports are paid once, not by whichever case comes first
        importlib.import_module(module)
    cases = [(label, argv, True) for label, argv in flag_cases(finished, scratch) + run_flag_cases(scratch)]
    cases += damage_cases(finished, scratch)
    assert len(cases) >= 400, len(cases)
    before_run, before_scratch = snapshot(finished), snapshot(scratch)
    problems, slowest, commands, times, refused = [], (0.0, ""), set(), [], 0
    for label, argv, must_refuse in cases:
        result = run_case(argv)
        commands.add(argv[0])
        times.append((round(result["seconds"], 2), label))
        if snapshot(finished) != before_run:
            problems.append(f"{label}: changed the run folder it read")
            before_run = snapshot(finished)
        lines = [line for line in result["stderr"].splitlines() if line.strip()]
        trace = result["traceback"] or ""
        went_on = result["code"] == 0 or "cli_helpers.Ran" in trace  # succeeded, or reached training
        if went_on and not must_refuse:
            before_scratch = snapshot(scratch)  # what it wrote is its output
            continue
        if trace or "Traceback" in result["stderr"]:
            problems.append(f"{label}: traceback {(trace or result['stderr']).strip().splitlines()[-1]}")
        elif result["code"] != 2 or not lines or not lines[-1].startswith("genlab: error: ") \
                or sum(line.startswith("genlab: error: ") for line in lines) != 1:
            problems.append(f"{label}: exit {result['code']}, stderr {result['stderr'][-300:]!r}")
        elif len(lines) > 3:
            problems.append(f"{label}: {len(lines)} lines")
        else:
            refused += 1
            slowest = max(slowest, (result["seconds"], label))
        if snapshot(scratch) != before_scratch:
            now = snapshot(scratch)
            problems.append(f"{label}: wrote {sorted(k for k in now if now[k] != before_scratch.get(k))[:3]}")
            before_scratch = now
    print(f"\ncommand fuzz: {len(cases)} cases over {len(commands)} commands, {refused} refused in one line, "
          f"{len(problems)} problems, slowest error {slowest[0]:.2f} s ({slowest[1]}); "
          f"slowest cases {sorted(times)[-5:]}")
    problems += ["left runs/ in the working folder"] if (tmp_path / "runs").exists() else []
    assert not problems, "\n".join(problems[:80])
    assert slowest[0] < MAX_ERROR_S, slowest

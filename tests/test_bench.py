"""`genlab bench` runs both loops side by side and writes its numbers."""
from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import run_cli


def test_bench_writes_ratio_and_flops(tmp_path):
    out = tmp_path / "bench.json"
    result = run_cli("bench", "--models", "ae64,gan_normal", "--images", "2048", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(out.read_text())
    assert [r["model"] for r in data["results"]] == ["ae64", "gan_normal"]
    for r in data["results"]:
        assert r["genlab_images_per_s"] > 0 and r["reference_images_per_s"] > 0
        assert abs(r["speedup"] - r["genlab_images_per_s"] / r["reference_images_per_s"]) < 1e-9
        assert r["flops_per_image"] > 0 and 0 < r["peak_fraction"]
        assert len(r["round_speedups"]) == 5 and all(v > 0 for v in r["round_speedups"])  # each round's own ratio
    assert data["matmul_peak_flop_per_s"] > 1e8
    assert "ratio" in result.stdout
    # the GANs' train.precision is auto: bfloat16 on a CPU with AMX, at the bfloat16 peak; the AE stays float32
    from genlab.engine import precision

    ae, gan = data["results"]
    assert ae["precision"] == "float32" and gan["precision"] == precision.resolved_name("auto", "cpu")
    assert gan["peak_flop_per_s"] == data["matmul_peaks"][gan["precision"]]
    assert (f"gan_normal   batch  256 ({gan['precision']})" in result.stdout) == (gan["precision"] != "float32")


def test_bench_unknown_model():
    result = run_cli("bench", "--models", "nope", "--images", "64")
    assert result.returncode == 2 and "no model named 'nope'" in result.stderr and "Traceback" not in result.stderr


def test_targets_ship_inside_the_package():
    """An installed wheel has no repo root: the targets must be package data."""
    import genlab
    from genlab.bench.command import TARGETS_FILE

    assert TARGETS_FILE.is_file() and TARGETS_FILE.parent.parent == Path(genlab.__file__).parent


def test_step_parts_times_each_part_of_each_loop():
    """benchmarks/step_parts.py: the parts behind the bench's ratio, for a model with two optimisers too."""
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "step_parts.py"
    for model in ("vae", "gan_normal"):
        result = subprocess.run([sys.executable, str(script), "--model", model, "--images", "512", "--rounds", "1"],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        lines = result.stdout.splitlines()
        parts = [line for line in lines if line.endswith("ms per step")]
        assert len(parts) == 6 and all(float(line.split()[-4]) > 0 for line in parts)
        assert lines[-1].startswith(f"{model}: a step made only of these parts") and lines[-1].endswith("×")


def test_step_parts_refuses_bad_input_in_one_line():
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "step_parts.py"
    bad = [["--model", "nope"], ["--study", "nope"], ["--images", "0"], ["--images", "-3"], ["--images", "x"],
           ["--rounds", "0"], ["--rounds", "1.5"]]
    for args in bad:
        result = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=120)
        errors = [line for line in result.stderr.splitlines() if "error" in line.lower() or line.startswith("step_parts:")]
        assert result.returncode == 2 and "Traceback" not in result.stderr and len(errors) == 1, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)  # that line alone: no usage dump


def test_experiment_jobs_refuses_bad_input_in_one_line(tmp_path):
    """Checked before either run starts: nothing runs, nothing is written."""
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "experiment_jobs.py"
    out = tmp_path / "jobs.json"
    bad = [["--study", "nope"], ["--study", ""], ["--study", str(tmp_path / "missing.yaml")], ["--seeds", "1"],
           ["--seeds", "0"], ["--seeds", "-2"], ["--seeds", "x"], ["--seeds", "2.5"]]
    for args in bad:
        result = subprocess.run([sys.executable, str(script), *args, "--out", str(out)], capture_output=True,
                                text=True, timeout=120)
        errors = [line for line in result.stderr.splitlines() if "error" in line.lower() or line.startswith("experiment_jobs:")]
        assert result.returncode == 2 and "Traceback" not in result.stderr and len(errors) == 1, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)  # that line alone: no usage dump
        assert not out.exists()

"""A one-model study run by the real CLI in a subprocess, and its numbers (shared by the
disk-fault and signal tests; a uniquely named module, like cli_helpers)."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from cli_helpers import ROOT

TINY = """study: dense
seed: 0
data: {dataset: fashion_mnist, val_size: 200, train_subset: 600, test_subset: 300}
train: {epochs: 2, batch_size: 64, tensorboard: false}
models:
  - {name: ae, model: dense_ae, params: {latent_dim: 8, latent_act: none, hidden: [32]}}
analysis:
  generation: {enabled: false}
  latent_2d: {enabled: false}
"""
TIMING = {"epoch_train_s", "epoch_wall_s", "images_per_s", "threads"}


def damages(model: str) -> dict[str, tuple[str, bytes]]:
    """Kinds of damage to a finished run folder: label → (file under the run, its new bytes)."""
    return {
        "invalid YAML config": ("config.yaml", b"study: [dense\n"),
        "top-level list config": ("config.yaml", b"- study\n- dense\n"),
        "non-UTF-8 config": ("config.yaml", b"study: dense\ntitle: \xff\xfe\n"),
        "truncated metrics.json": ("metrics.json", b'{"data": {"n_train": 1'),
        "list metrics.json": ("metrics.json", b"[1, 2]"),
        "half-written metrics.jsonl": (f"models/{model}/metrics.jsonl", b'{"epoch": 1, "train": {}}\n{"epoch": 2, "tr'),
        "non-UTF-8 metrics.jsonl": (f"models/{model}/metrics.jsonl", b'{"epoch": 1}\n\xff\n'),
        "truncated summary.json": (f"models/{model}/summary.json", b'{"epochs": '),
    }


def genlab(*args, umask: int = 0o022, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limits():
        os.umask(umask)
        if fsize is not None:
            import signal

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    quiet = ["--no-progress"] if args[0] == "run" else []
    return subprocess.run([sys.executable, "-m", "genlab", *map(str, args), *quiet], capture_output=True,
                          text=True, timeout=900, cwd=ROOT, preexec_fn=limits)


def assert_clean_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    """A run that ends in one `genlab: error:` line (after its progress lines), exit 2, no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("genlab: error: ")]
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert len(errors) == 1 and errors[0] == lines[-1] and len(errors[0]) < 300, result.stderr[-3000:]
    assert fragment in errors[0], errors[0]


def numbers(run: Path) -> tuple[list[dict], dict]:
    lines = (run / "models" / "ae" / "metrics.jsonl").read_text().splitlines()
    records = [{k: v for k, v in json.loads(line).items() if k not in TIMING} for line in lines]
    return records, json.loads((run / "models" / "ae" / "summary.json").read_text())["final"]


def interrupt(out: Path, study: Path, when: str | float, signals: int = 2, resume: bool = False):
    """`genlab run` killed with `signals` SIGTERMs 10 ms apart, `when` seconds after its start or
    once a stderr line holds `when` (a string); (exit status, stderr)."""
    import signal
    import time

    args = [sys.executable, "-m", "genlab", "run", str(study), "--out", str(out), "--no-progress",
            *(["--resume"] if resume else [])]
    process = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    seen = []
    if isinstance(when, str):
        for line in process.stderr:
            seen.append(line)
            if when in line:
                break
    else:
        time.sleep(when)
    for _ in range(signals):
        process.send_signal(signal.SIGTERM)
        time.sleep(0.01)
    _, rest = process.communicate(timeout=300)
    return process.returncode, "".join(seen) + rest

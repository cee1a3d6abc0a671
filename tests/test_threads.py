"""The thread policy for shared machines (engine/threads.py) and `genlab bench --contention`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import torch

from cli_helpers import assert_clean_error, run_cli
from trainer_helpers import random_data
from genlab.engine import threads

CORES = sorted(os.sched_getaffinity(0))


class FakeStat:
    """A /proc/stat whose per-core busy ticks the test advances."""

    def __init__(self, path):
        self.path, self.ticks = path, 0
        self.write()

    def write(self):
        lines = ["cpu  0 0 0 0 0 0 0 0 0 0"] + [f"cpu{c} {self.ticks} 0 0 1000 0 0 0 0 0 0" for c in CORES]
        self.path.write_text("\n".join(lines) + "\n")

    def others_use(self, cores: float, seconds: float):
        """Other processes kept `cores` cores busy for `seconds` (split over the per-core lines)."""
        self.ticks += round(cores * seconds * os.sysconf("SC_CLK_TCK") / len(CORES))
        self.write()


@pytest.fixture
def governor(tmp_path, monkeypatch):
    """A governor over a fake /proc/stat and a fake clock; torch's threads restored after."""
    before = torch.get_num_threads()
    stat = FakeStat(tmp_path / "stat")
    clock = {"t": 1000.0}
    monkeypatch.setattr(threads, "_STAT", str(stat.path))
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock["t"])
    monkeypatch.setattr(threads.time, "process_time", lambda: 0.0)  # genlab itself uses no CPU here
    monkeypatch.setattr(threads.time, "sleep", lambda s: clock.update(t=clock["t"] + s))
    gov = threads.ThreadGovernor(CORES, ceiling=len(CORES), interval_s=1.0)

    def tick(others: float, seconds: float = 1.0):
        stat.others_use(others, seconds)
        clock["t"] += seconds
        gov.poll()
    yield gov, tick
    torch.set_num_threads(before)


@pytest.mark.skipif(len(CORES) < 2, reason="the policy only has a choice with 2 or more cores")
def test_a_busy_core_is_left_to_its_process_and_taken_back_when_free(governor):
    gov, tick = governor
    assert torch.get_num_threads() == len(CORES), "a quiet machine: one thread per core"
    tick(others=1.0)
    assert torch.get_num_threads() == len(CORES), "one reading is not enough to change"
    tick(others=1.0)
    assert torch.get_num_threads() == len(CORES) - 1, "two readings that agree: one core left to the other process"
    tick(others=0.0)
    tick(others=0.0)
    assert torch.get_num_threads() == len(CORES), "the core is taken back once it is free"
    assert gov.take_used() == [len(CORES) - 1, len(CORES)]


@pytest.mark.skipif(len(CORES) < 2, reason="the policy only has a choice with 2 or more cores")
def test_a_short_burst_elsewhere_changes_nothing_and_at_least_one_thread_is_kept(governor):
    gov, tick = governor
    tick(others=1.0)
    tick(others=0.0)  # the burst is over before a second reading agrees
    assert torch.get_num_threads() == len(CORES)
    for _ in range(3):
        tick(others=len(CORES) + 3)  # more busy processes than cores
    assert torch.get_num_threads() == 1


def test_the_ceiling_is_kept_and_polling_between_readings_reads_nothing(governor, tmp_path):
    gov, tick = governor
    gov.ceiling = 1
    tick(others=0.0)
    tick(others=0.0)
    assert torch.get_num_threads() == 1, "never more threads than the ceiling (an experiment's share)"
    mark = gov._mark
    gov.poll()  # the fake clock has not moved: no reading
    assert gov._mark is mark


def test_without_proc_stat_the_thread_count_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(threads, "_STAT", str(tmp_path / "missing"))
    threads.adapt()
    assert threads._governor is None
    threads.poll()  # a no-op
    assert threads.used() == [torch.get_num_threads()]


@pytest.mark.skipif(len(CORES) < 2 or not os.path.exists("/proc/stat"), reason="needs /proc/stat and 2+ cores")
def test_a_busy_machine_never_changes_the_threads_of_a_model_whose_bits_depend_on_them(monkeypatch):
    """A seed gives the same numbers whatever the load: the count starts at the ceiling, and a
    conv model trains at it from first step to last while a real process spins beside it."""
    from genlab import registry

    before = torch.get_num_threads()
    torch.set_num_threads(len(CORES))
    monkeypatch.setattr(threads, "_governor", None)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        threads.adapt(interval_s=0.05)
        assert torch.get_num_threads() == len(CORES), "the ceiling, not what the load suggests"
        conv = registry.build("conv_ae", {}, shape=(1, 28, 28), classes=10)
        same, why = threads.invariant(conv, torch.device("cpu"), "float32")
        assert not same and "Conv2d" in why
        with threads.training(same):
            for _ in range(6):
                time.sleep(0.1)
                threads.poll()
                assert torch.get_num_threads() == len(CORES)
        assert threads.used() == [len(CORES)]
    finally:
        spinner.kill()
        spinner.wait()
        threads.pin()
        torch.set_num_threads(before)


def test_dense_models_train_to_the_same_bits_at_any_thread_count():
    """What lets the policy change threads mid-run without changing a dense study's numbers."""
    from genlab import registry
    from genlab.config import TrainConfig
    from genlab.engine import device as dev
    from genlab.engine.optim import make_optimizers
    from genlab.engine.trainer import train_epoch

    before = torch.get_num_threads()
    weights = []
    for count in (1, 2):
        torch.set_num_threads(count)
        dev.seed_everything(0)
        method = registry.build("dense_vae", {"latent_dim": 8, "hidden": [64]}, shape=(1, 28, 28), classes=10)
        cfg = TrainConfig(batch_size=64)
        train_epoch(method, make_optimizers(method, cfg), {}, random_data(n_train=512).train, cfg, 0)
        weights.append([p.detach().clone() for p in method.parameters()])
    torch.set_num_threads(before)
    assert all(torch.equal(a, b) for a, b in zip(*weights))


def test_bench_contention_runs_each_policy_quiet_and_busy(tmp_path):
    out = tmp_path / "contention.json"
    result = run_cli("bench", "--contention", "--models", "ae2", "--images", "600", "--out", str(out), timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert [(r["model"], r["policy"]) for r in report["results"]] == [("ae2", p) for p in ("genlab", "fixed", "passive")]
    for row in report["results"]:
        assert row["quiet_images_per_s"] > 0 and row["busy_images_per_s"] > 0
        assert row["slowdown"] == pytest.approx(row["quiet_images_per_s"] / row["busy_images_per_s"])
    assert "beside a busy process" in result.stdout


@pytest.mark.parametrize("args,fragment", [
    (["--contention", "--models", "nope"], "nope"),
    (["--contention", "--floor"], "one at a time"),
    (["--run", "somewhere"], "add --floor"),
    (["--images", "0"], "--images must be a positive number"),
])
def test_bench_bad_arguments_are_one_line(args, fragment, tmp_path):
    result = run_cli("bench", *args, "--out", str(tmp_path / "x.json"), timeout=120)
    assert result.returncode == 2
    assert_clean_error(result, fragment)
    assert not (tmp_path / "x.json").exists()


@pytest.mark.skipif(len(CORES) < 2 or not os.path.exists("/proc/stat"), reason="needs /proc/stat and 2+ cores")
def test_a_conv_model_with_a_busy_process_started_mid_training_equals_the_quiet_run(tmp_path, monkeypatch):
    """Issue 23 item 2: the loaded run used to drop to 1 thread mid-run and every later number differed."""
    from genlab.config import ModelSpec, TrainConfig
    from genlab.engine.trainer import TrainerOptions, fit
    from genlab.runs import ModelDir

    class Spinner:  # another process starts spinning after epoch 1
        proc = None

        def on_epoch_end(self, method, epoch, model_dir, logs):
            if epoch == 1:
                Spinner.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
                time.sleep(0.3)
            return {}

    before = torch.get_num_threads()
    spec = ModelSpec(name="m", model="conv_vae", params={"latent_dim": 4},
                     train=TrainConfig(epochs=3, batch_size=16, tensorboard=False))
    data = random_data(192, 32, 32)
    results = []
    try:
        for busy in (False, True):
            torch.set_num_threads(len(CORES))
            monkeypatch.setattr(threads, "_governor", None)
            threads.adapt(interval_s=0.02)
            out = ModelDir(tmp_path / f"busy{busy}")
            fit(spec, data, out, 0, TrainerOptions(progress=False), [Spinner()] if busy else [],
                shape=(1, 28, 28), classes=10)
            results.append((registry_weights(out), [r["threads"] for r in out.read_metrics()]))
    finally:
        if Spinner.proc:
            Spinner.proc.kill()
            Spinner.proc.wait()
        threads.pin()
        torch.set_num_threads(before)
    (quiet, quiet_threads), (busy, busy_threads) = results
    assert busy_threads == quiet_threads == [[len(CORES)]] * 3
    assert all(torch.equal(quiet[k], busy[k]) for k in quiet)


def registry_weights(model_dir):
    from genlab import registry

    return registry.load_trained(model_dir).state_dict()

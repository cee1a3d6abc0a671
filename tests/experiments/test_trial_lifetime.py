"""Trials of a killed experiment (issue 23, item 7): a trial ends with its experiment's
process, SIGKILL included (no orphan goes on training), and a resumed experiment waits for a
trial folder still being written instead of calling that trial failed."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from genlab.experiments import executors

PARENT = """
import subprocess, sys, time
from genlab.experiments.executors import die_with
import os
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], preexec_fn=die_with(os.getpid()))
print(child.pid, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped by init) counts as gone
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_trial_dies_with_its_killed_experiment():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()  # SIGKILL: the experiment cannot clean up itself
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child), "the trial went on as an orphan"


def test_a_resumed_experiment_waits_for_a_trial_still_being_written(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    (tmp_path / ".genlab.lock").write_text(f"{holder.pid}\n")
    start = time.monotonic()
    executors.wait_for_writer(tmp_path)
    assert 1.0 <= time.monotonic() - start < 30, "waited for the writer, and no longer"
    holder.wait()
    start = time.monotonic()
    executors.wait_for_writer(tmp_path)  # the lock's process is gone: no wait
    assert time.monotonic() - start < 0.5

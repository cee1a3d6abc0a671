"""Disk faults and file permissions (issue 23, items 4 and 10), with a real `genlab run` of a
one-model study: a full disk mid-training ends in one line naming the file and the space,
leaves nothing half-written, and `--resume` after freeing space gives the uninterrupted
numbers; a file-size limit before the first checkpoint leaves no folder; a read-only target is
one line; every file of a run written under umask 022 is readable by another user.

The tmpfs and other-user cases need root (mount, runuser) and are skipped without it."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from run_helpers import TINY, assert_clean_error, genlab, numbers

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="needs root (mount, runuser)")


@pytest.fixture(scope="module")
def shared():
    """A folder other users may enter (like a course web server's or a lab disk's)."""
    path = Path(tempfile.mkdtemp(prefix="genlab-shared-", dir="/tmp"))
    path.chmod(0o755)
    (path / "tiny.yaml").write_text(TINY)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def reference(shared):
    result = genlab("run", shared / "tiny.yaml", "--out", shared / "ref")
    assert result.returncode == 0, result.stderr[-2000:]
    return shared / "ref"


@pytest.fixture
def tmpfs(shared):
    mount = shared / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1000k", "tmpfs", str(mount)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)])
    mount.rmdir()


def test_every_file_of_a_run_is_readable_by_others_under_umask_022(reference):
    for path in reference.rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o755 if path.is_dir() else 0o644), path
    if os.geteuid() == 0 and shutil.which("runuser"):
        seen = subprocess.run(["runuser", "-u", "nobody", "--", "head", "-c", "15", str(reference / "report.html")],
                              capture_output=True, text=True)
        assert seen.returncode == 0 and seen.stdout.startswith("<!"), seen.stderr


@ROOT_ONLY
def test_a_full_disk_mid_training_is_one_line_and_resume_gives_the_same_numbers(shared, reference, tmpfs):
    run = tmpfs / "run"
    result = genlab("run", shared / "tiny.yaml", "--out", run, "--keep-checkpoints")
    assert_clean_error(result, "no space left on the device")
    assert "epoch_002.pt" in result.stderr and "free there" in result.stderr
    assert not list(run.rglob("*.tmp")), "nothing half-written"
    assert [p.name for p in (run / "models" / "ae" / "checkpoints").iterdir()] == ["epoch_001.pt"]
    assert not (run / ".lock").exists() and not list(run.glob("*lock*"))
    subprocess.run(["mount", "-o", "remount,size=20m", str(tmpfs)], check=True)
    resumed = genlab("run", shared / "tiny.yaml", "--out", run, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert numbers(run) == numbers(reference)


@ROOT_ONLY
def test_a_read_only_file_system_is_one_line_and_leaves_nothing(shared, tmpfs):
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    result = genlab("run", shared / "tiny.yaml", "--out", tmpfs / "run")
    assert_clean_error(result, str(tmpfs / "run"))
    assert not list(tmpfs.iterdir())


def test_a_file_size_limit_before_the_first_checkpoint_leaves_no_folder(shared):
    out = shared / "limited"
    result = genlab("run", shared / "tiny.yaml", "--out", out, fsize=100_000)
    assert_clean_error(result, "epoch_001.pt: file too large")
    assert not out.exists(), "no model finished an epoch: nothing to resume, nothing left"


def test_a_torn_metrics_line_is_one_line_whose_advice_works(shared, reference):
    """Issue 23, items 5 and 9: 20 bytes cut off models/ae/metrics.jsonl of a finished run."""
    run = shared / "torn"
    shutil.copytree(reference, run)
    metrics = run / "models" / "ae" / "metrics.jsonl"
    metrics.write_bytes(metrics.read_bytes()[:-20])
    report = genlab("report", run)
    assert_clean_error(report, "is not a whole JSON record")
    advice = report.stderr.split("`")[1].split()  # the command the line says to run
    assert advice[:2] == ["genlab", "run"] and "--resume" in advice, advice
    followed = genlab(*advice[1:])
    assert followed.returncode == 0, followed.stderr[-2000:]
    assert numbers(run) == numbers(reference)
    assert genlab("report", run).returncode == 0

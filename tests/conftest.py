"""Shared fixtures. Tests run on CPU in minutes: tiny configs, small real-data subsets."""
from __future__ import annotations

import os
import shutil

import genlab  # noqa: F401  (before torch: it sets MKL's reproducible mode, see genlab/__init__.py)
import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("GENLAB_THREADS", "1")  # small models: 1 thread is fastest on a shared 2-core box


@pytest.fixture(scope="session")
def chromium() -> str | None:
    path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if path is None and os.environ.get("GENLAB_REQUIRE_CHROMIUM"):
        pytest.fail("chromium is required here (GENLAB_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium")
    if path is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    return path


@pytest.fixture
def stop_before_training(monkeypatch):
    """A run stops with cli_helpers.Ran where training would start."""
    from cli_helpers import Ran

    from genlab.studies import runner

    def execute(study, ctx):
        raise Ran

    monkeypatch.setattr(runner, "execute", execute)

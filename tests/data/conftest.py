"""Every data test starts from nothing: its own user cache, no $GENLAB_DATA / mirror, no
dataset kept from an earlier test, no warning already printed."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_data_state(tmp_path_factory, monkeypatch):
    from genlab.data import facts, loading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.delenv("GENLAB_DATA", raising=False)
    monkeypatch.delenv("GENLAB_DATA_URL", raising=False)
    loading.forget()
    facts._warned.clear()
    yield
    loading.forget()
    facts._warned.clear()

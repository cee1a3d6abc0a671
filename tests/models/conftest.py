"""Shared by the model tests."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Convolutions on a shared 2-core machine: two threads wait for each other at every
    operator while other processes hold a core (measured 5–50× slower than one thread)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

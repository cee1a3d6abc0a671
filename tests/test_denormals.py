"""Denormal floats are flushed on every torch thread while genlab trains, and only then."""
from __future__ import annotations

import pytest
import torch

from genlab.engine import denormals
from genlab.engine.denormals import everywhere, flush_denormals, flushing

TINY_PRODUCT = (1e-30, 1e-9)  # 1e-39: a denormal float32 unless flushed


def _denormals_made(threads: int) -> int:
    """How many of a large elementwise product's results are denormal (every thread computes a part)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        out = torch.full((1 << 20,), TINY_PRODUCT[0]).mul_(TINY_PRODUCT[1])
        return int((out != 0).sum())
    finally:
        torch.set_num_threads(before)


def test_off_by_default_and_restored_after():
    assert not flushing()
    with flush_denormals():
        assert flushing()
    assert not flushing()


def test_nested_keeps_the_outer_setting():
    with flush_denormals():
        with flush_denormals():
            pass
        assert flushing()
    assert not flushing()


@pytest.fixture
def another_openmp_copy():
    """scikit-learn's wheels bring their own libgomp (the study's Gaussian mixtures load it): its
    pool is not torch's, so flushing there would miss torch's workers (it did, in the full suite)."""
    import numpy as np
    from sklearn.mixture import GaussianMixture

    GaussianMixture(2, random_state=0).fit(np.random.default_rng(0).random((200, 2)))
    denormals._libgomp.cache_clear()
    yield
    denormals._libgomp.cache_clear()


@pytest.mark.skipif(not everywhere(), reason="libgomp not loaded (not a Linux torch build): only the calling thread is set")
@pytest.mark.parametrize("threads_on_entry", [2, 1])
def test_every_worker_thread_flushes_even_when_the_pool_existed_before(threads_on_entry, another_openmp_copy,
                                                                      monkeypatch):
    assert _denormals_made(2) == 1 << 20  # the pool exists now, not flushing: all results denormal
    monkeypatch.setattr(denormals.threads, "ceiling", lambda: 2)  # the thread policy's ceiling on 2 cores
    before = torch.get_num_threads()
    torch.set_num_threads(threads_on_entry)  # 1: the thread policy may add the second thread mid-epoch
    try:
        with flush_denormals():
            assert _denormals_made(2) == 0  # the worker's half too
    finally:
        torch.set_num_threads(before)
    assert _denormals_made(2) == 1 << 20  # and restored on every thread


def test_trainer_epochs_flush(monkeypatch):
    from genlab.engine import trainer

    seen = []
    monkeypatch.setattr(trainer, "make_step", lambda *a: (seen.append(flushing()), lambda x, y: {})[1])
    from genlab.config import TrainConfig
    from genlab import registry
    from trainer_helpers import random_data

    method = registry.build("dense_ae", {"latent_dim": 4}, shape=(1, 28, 28), classes=10)
    trainer.train_epoch(method, {}, {}, random_data(n_train=32).train, TrainConfig(batch_size=32), 0)
    assert seen == [True] and not flushing()


def test_the_runtime_chosen_is_torchs_own(another_openmp_copy):
    import os

    lib = denormals._libgomp()
    loaded = [line.split()[-1] for line in open("/proc/self/maps") if "libgomp" in line]
    if lib is None:
        pytest.skip("no libgomp in torch's folder (not a Linux pip build of torch)")
    assert len(set(loaded)) >= 2  # the fixture really loaded a second copy
    assert os.path.realpath(lib._name).startswith(os.path.dirname(os.path.realpath(torch.__file__)))

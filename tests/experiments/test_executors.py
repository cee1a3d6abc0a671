"""The local executor: trials in parallel, threads divided, a failed trial reported with its
own error line while the others go on; the PCA floor against scikit-learn."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from genlab.experiments import executors
from genlab.representation.linear_floor import pca_test_mse


def test_threads_are_divided_never_oversubscribed(monkeypatch):
    monkeypatch.setattr(executors, "cpu_cores", lambda: 8)
    assert [executors.threads_per_trial(j) for j in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]


def test_default_jobs_fit_cores_and_memory(monkeypatch):
    monkeypatch.setattr(executors, "cpu_cores", lambda: 16)
    monkeypatch.setattr(executors, "_memory_bytes", lambda: 8 * executors.GIB)
    assert executors.default_jobs("cpu", 10) == 2  # 8 GiB / 3 GiB per trial
    assert executors.default_jobs("cpu", 1) == 1


def test_failed_trials_are_reported_and_the_others_go_on(tmp_path):
    jobs = [executors.TrialJob(f"t{i}", ["run", str(tmp_path / f"missing{i}.yaml"), "--out", str(tmp_path / f"o{i}")],
                               tmp_path / "logs" / f"t{i}.log", tmp_path / f"o{i}") for i in range(3)]
    seen = []
    outcomes = executors.run_local(jobs, 2, "cpu", lambda *state: seen.append(state))
    assert [o.id for o in sorted(outcomes, key=lambda o: o.id)] == ["t0", "t1", "t2"]
    for o in outcomes:
        assert o.status == executors.FAILED
        assert o.error.startswith("genlab: error:") and f"missing{o.id[1]}.yaml" in o.error
    assert max(running for _, running, _, _ in seen) == 2  # never more than --jobs at once
    assert seen[-1][:3] == (0, 0, 3)


@pytest.mark.parametrize("k", [1, 3, 10])
def test_pca_floor_matches_sklearn(k):
    from sklearn.decomposition import PCA

    gen = torch.Generator().manual_seed(0)
    train = torch.randint(0, 256, (300, 6, 6), generator=gen, dtype=torch.uint8)
    test = torch.randint(0, 256, (50, 6, 6), generator=gen, dtype=torch.uint8)
    x, t = train.reshape(300, -1).numpy() / 255, test.reshape(50, -1).numpy() / 255
    pca = PCA(n_components=k, svd_solver="full").fit(x)
    expected = float(((pca.inverse_transform(pca.transform(t)) - t) ** 2).mean())
    assert pca_test_mse(train, test, [k])[0] == pytest.approx(expected, rel=1e-9)
    assert np.isclose(pca_test_mse(train, test, [36])[0], 0, atol=1e-20)  # all components: exact
    assert pca_test_mse(train, test, [36, 50]) == [0.0, 0.0]  # exactly 0, not rounding (a 1e-31 made a 4e29 ratio)

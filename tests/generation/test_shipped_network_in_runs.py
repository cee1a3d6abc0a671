"""A quick run of the shipped studies on Fashion-MNIST trains no feature network: the real CLI
(`genlab run dense --quick`, tiny subsets, a fresh cache; `gen` asks for the same network:
test_canonical_network.py) measures
its FIDs with the network genlab ships (fmnist-v1), and its metrics.json and report name it.
The cache then holds only features derived from the shipped network, no trained one."""
from __future__ import annotations

import json

import pytest

from cli_helpers import run_cli

from genlab.generation import shipped

COMMON = ["--set", "data.train_subset=400", "--set", "data.val_size=100", "--set", "data.test_subset=200",
          "--set", "train.epochs=1", "--set", "analysis.generation.samples=200",
          "--set", "analysis.generation.epoch_fid_n=100"]
STUDIES = {
    "dense": ["--set", "analysis.latent_2d.scatter_points=200"],
}


@pytest.mark.slow
@pytest.mark.parametrize("study", sorted(STUDIES))
def test_a_quick_fashion_mnist_run_uses_the_shipped_network(study, tmp_path):
    canonical = next(s for s in shipped.manifests() if s.manifest["dataset"]["key"] == "fashion_mnist")
    cache, out = tmp_path / "cache", tmp_path / "run"
    result = run_cli("run", study, "--quick", "--out", str(out), "--no-progress", *COMMON, *STUDIES[study],
                     env={"GENLAB_CACHE": str(cache)})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "training the metrics feature network" not in result.stderr
    assert sorted(p.name for p in (cache / "metrics-net").iterdir() if not p.name.startswith(".")) == [canonical.name]
    net = json.loads((out / "metrics.json").read_text())["generation"]["feature_net"]
    assert net["name"] == canonical.name and net["shipped"] and net["sha256"] == canonical.sha256
    report = (out / "report.html").read_text()
    assert f"FID-{canonical.name}" in report and "shipped with genlab" in report

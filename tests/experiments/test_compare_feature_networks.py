"""`genlab compare` refuses to put side by side generation metrics measured with different
feature networks (one line naming both); the same network, or runs without generation
metrics, compare as before. results.csv and summary.csv name the network of every row."""
from __future__ import annotations

import json

from run_folders import fake_run

from genlab import cli
from genlab.experiments.aggregate import summary_csv
from genlab.experiments.trials import TrialState
from genlab.generation import shipped
from genlab.run_record import read_run


def with_network(path, described: dict | None):
    metrics = json.loads((path / "metrics.json").read_text())
    if described is None:
        metrics.pop("generation")
    else:
        metrics["generation"]["feature_net"] = described
    (path / "metrics.json").write_text(json.dumps(metrics))
    return path


def test_compare_refuses_fids_from_different_feature_networks(tmp_path, capsys):
    a = with_network(fake_run(tmp_path / "a", 0, {"ae": 0.9}), {"name": "fmnist-v1", "sha256": "ab" * 32})
    b = with_network(fake_run(tmp_path / "b", 0, {"ae": 0.8}), {"name": "fashion_mnist-local-cdcdcdcdcdcd",
                                                                  "sha256": "cd" * 32})
    out = tmp_path / "c"
    assert cli.main(["compare", str(a), str(b), "--out", str(out)]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("genlab: error:"), lines
    assert "fmnist-v1" in lines[0] and "fashion_mnist-local-cdcdcdcdcdcd" in lines[0]
    assert not out.exists()  # nothing left behind


def test_compare_accepts_one_network_and_runs_without_generation_metrics(tmp_path):
    net = {"name": "fmnist-v1", "sha256": "ab" * 32}
    a = with_network(fake_run(tmp_path / "a", 0, {"ae": 0.9}), net)
    b = with_network(fake_run(tmp_path / "b", 1, {"ae": 0.8}), net)
    c = with_network(fake_run(tmp_path / "c", 2, {"ae": 0.7}), None)
    assert cli.main(["compare", str(a), str(b), str(c), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "compare.csv").is_file()


def test_a_run_measured_before_names_is_known_by_its_hash(tmp_path, capsys):
    """An older metrics.json records only the sha256: the shipped network is recognised by it, any
    other hash differs from a named network."""
    for found in shipped.manifests()[:1]:
        assert shipped.network_name({"sha256": found.sha256}) == found.name
    assert shipped.network_name({"sha256": "ef" * 32}) == "sha256:" + "ef" * 8
    a = with_network(fake_run(tmp_path / "a", 0, {"ae": 0.9}), {"sha256": "ef" * 32})
    b = with_network(fake_run(tmp_path / "b", 0, {"ae": 0.8}), {"name": "fmnist-v1", "sha256": "ab" * 32})
    assert cli.main(["compare", str(a), str(b), "--out", str(tmp_path / "c")]) == 2
    assert "sha256:" + "ef" * 8 in capsys.readouterr().err


def test_summary_csv_names_every_network_behind_a_row(tmp_path):
    states = []
    for seed, name in enumerate(["fmnist-v1", "fmnist-v1", "kmnist-local-0123456789ab"]):
        path = with_network(fake_run(tmp_path / f"s{seed}", seed, {"ae": 0.9}), {"name": name, "sha256": "ab" * 32})
        states.append(TrialState(f"s{seed}", seed, {}, "done", record=read_run(path)))
    text = summary_csv(states[:2], []) + summary_csv(states, [])
    assert ",fmnist-v1\n" in text and ",fmnist-v1 + kmnist-local-0123456789ab\n" in text


def test_the_experiment_page_names_the_feature_network(tmp_path):
    from genlab.experiments.experiment_page import _feature_networks

    def states(names):
        out, base = [], tmp_path / f"set{len(list(tmp_path.iterdir()))}"
        for seed, name in enumerate(names):
            path = with_network(fake_run(base / f"{name}-{seed}", seed, {"ae": 0.9}), {"name": name, "sha256": "ab" * 32})
            out.append(TrialState(f"{name}-{seed}", seed, {}, "done", record=read_run(path)))
        return out

    (one,) = _feature_networks(states(["fmnist-v1", "fmnist-v1"]))
    assert "feature space of fmnist-v1" in one and "FID-fmnist-v1" in one
    (mixed,) = _feature_networks(states(["fmnist-v1", "kmnist-local-0123456789ab"]))
    assert "2 different feature networks (fmnist-v1, kmnist-local-0123456789ab)" in mixed and "not comparable" in mixed
    no_generation = with_network(fake_run(tmp_path / "plain", 0, {"ae": 0.9}), None)
    assert _feature_networks([TrialState("plain", 0, {}, "done", record=read_run(no_generation))]) == []

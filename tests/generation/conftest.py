"""Fixtures for the generation-quality tests: a tiny feature network in a temporary
cache (GENLAB_CACHE) and a tiny run folder with a GAN, a VAE and an AE."""
from __future__ import annotations

import json
import os

import pytest
import torch
import yaml

from generation_helpers import MODELS, TINY_NET


@pytest.fixture(scope="session")
def quality_cache(tmp_path_factory):
    """Point GENLAB_CACHE at a temporary folder for the whole session."""
    path = tmp_path_factory.mktemp("genlab-cache")
    old = os.environ.get("GENLAB_CACHE")
    os.environ["GENLAB_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("GENLAB_CACHE", None)
    else:
        os.environ["GENLAB_CACHE"] = old


@pytest.fixture(scope="session")
def fmnist():
    """Real Fashion-MNIST (the Debian package), loaded once."""
    from genlab.config import DataConfig
    from genlab.data import load

    return load(DataConfig())


@pytest.fixture(scope="session")
def tiny_net(quality_cache, fmnist):
    from genlab.generation.features import load_or_train

    fnet, _ = load_or_train(TINY_NET, fmnist, fmnist.mirror, progress=False)
    return fnet


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A run folder as `genlab run` leaves it, with untrained (random) tiny models."""
    from genlab import registry
    from genlab.runs import RunDir

    run = RunDir(tmp_path_factory.mktemp("run"))
    config = {"study": "dense", "title": "tiny", "seed": 0,
              "data": {"dataset": "fashion_mnist", "val_size": 100, "train_subset": 500, "test_subset": 100},
              "models": [{**m, "title": m["name"]} for m in MODELS]}
    run.config.write_text(yaml.safe_dump(config))
    torch.manual_seed(0)
    for spec in MODELS:
        model_dir = run.model(spec["name"])
        model_dir.path.mkdir(parents=True)
        registry.save_trained(model_dir.final, spec["model"], spec["params"],
                              registry.build(spec["model"], spec["params"], shape=(1, 28, 28), classes=10), (1, 28, 28), 10)
        model_dir.summary.write_text(json.dumps({"name": spec["name"]}))
    return run

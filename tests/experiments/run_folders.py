"""Synthetic finished run folders: the files a study writes, with chosen numbers."""
from __future__ import annotations

import json
from pathlib import Path

import yaml


def fake_run(path: Path, seed: int, acc: dict[str, float], loss: dict[str, float] | None = None,
             comparisons: list | None = None) -> Path:
    models = list(acc)
    config = {"study": "conv", "seed": seed, "models": [{"name": m, "title": m.upper(), "model": "conv_ae"} for m in models],
              "comparisons": comparisons or []}
    path.mkdir(parents=True)
    (path / "config.yaml").write_text(yaml.safe_dump(config))
    results = {m: {"head": {"test_metrics": {"accuracy": a, "confusion": [[1, 2], [3, 4]]}}} for m, a in acc.items()}
    curves = {m.upper(): {"psnr": [20.0 + a, 10.0 + a]} for m, a in acc.items()}
    metrics = {"analyses": {"frozen_classifiers": {"models": models, "results": results, "seconds": 1.0},
                            "noise_robustness": {"models": models, "results": {"factors": [0.0, 1.0], "curves": curves}},
                            "generation": {"models": models, "results": {"stored_in": "generation", "n": 10}}},
               "generation": {"models": {m: {"fid": 10 - a, "seconds": 3.0} for m, a in acc.items()},
                              "floor": {"fid": 0.5}}}
    (path / "metrics.json").write_text(json.dumps(metrics))
    for m in models:
        (path / "models" / m).mkdir(parents=True)
        final = {"test": {"loss": (loss or {}).get(m, 0.1)}}
        (path / "models" / m / "summary.json").write_text(json.dumps({"final": final, "train_time_s": 5.0,
                                                                      "params": {"latent_dim": 8}}))
    (path / "report.html").write_text("<html></html>")
    return path

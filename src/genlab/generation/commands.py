"""What the `sample`, `evaluate` and `metrics-net` commands do, as library functions
(the CLI only parses arguments and calls these)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genlab.config import DataConfig
from genlab.errors import GenlabError
from genlab.generation import samplers
from genlab.generation.evaluate import build_sampler, generative_config
from genlab.generation.features import FeatureNetConfig, load_or_train
from genlab.runs import RunDir


@dataclass
class SampleRequest:
    run: Path
    model: str
    n: int = 10_000
    out: Path | None = None  # .npz with `images` uint8 N×C×H×W
    grid: Path | None = None  # .png of the first 100
    prior: str | None = None  # GANs only; default: the training prior
    seed: int = 0


def sample_run(req: SampleRequest) -> str:
    """Draw samples from one model of a run folder; returns a one-line summary."""
    if req.out is None and req.grid is None:
        raise GenlabError("nothing to write: pass --out samples.npz and/or --grid samples.png")
    if req.n < 1:
        raise GenlabError(f"--n {req.n}: must be at least 1")
    run = RunDir(Path(req.run))
    config = generative_config(run, "sample")
    config.model(req.model)  # one clear line for an unknown name
    if not run.model(req.model).is_done():
        raise GenlabError(f"model {req.model!r} has not finished training in {run.path}; finish the run first")
    method, sampler = build_sampler(run, config, req.model, samplers.SamplerOptions(prior=req.prior), req.seed)
    if sampler is None:
        raise GenlabError(f"model {req.model!r} cannot generate images (no sample() and no encoder/decoder)")
    images = samplers.draw(sampler, req.n, req.seed)  # uint8 n×C×H×W
    written = []
    if req.out:
        written.append(samplers.save_npz(req.out, images, model=req.model, sampler=sampler.description, seed=req.seed))
    if req.grid:
        written.append(samplers.save_grid(req.grid, images[:100], f"{req.model}: {sampler.description}"))
    return f"{req.n:,} samples of {req.model} ({sampler.description}) → {', '.join(map(str, written))}"


def metrics_net(data_config: DataConfig, retrain: bool = False, cfg: FeatureNetConfig = FeatureNetConfig()) -> str:
    """Train the feature network of a dataset if needed (or on request) and describe it."""
    from genlab.data import load

    data = load(data_config)
    fnet, trained = load_or_train(cfg, data, data.mirror, retrain=retrain)
    rec = fnet.record
    return "\n".join([
        f"feature network of {data.title}: {fnet.path}" + (" (trained now)" if trained else " (cached)"),
        f"  sha256:        {fnet.sha256} (verified)",
        f"  test accuracy: {rec['test_accuracy']:.2%} on {rec.get('test_images', len(data.test_images)):,} test images",
        f"  trained on:    {rec['train_images']:,} images in {rec['train_seconds']} s ({rec['threads']} threads)",
        f"  features:      {fnet.net.num_features}-d penultimate layer",
    ])


def format_result(result: dict) -> str:
    """The evaluate result as a plain-text table for the terminal."""
    head = f"{'set':<16} {'FID':>14} {'KID×1e3':>14} {'prec':>6} {'recall':>6} {'IS':>6} {'miss':>4}  sampler"
    lines = [f"generation quality: {result['n']:,} samples each vs {result['reference']}; "
             f"feature net sha256 {result['feature_net']['sha256'][:12]}… "
             f"(test accuracy {result['feature_net']['test_accuracy']:.2%})", head]
    rows = [("real floor", result["floor"])] + list(result["models"].items())
    for name, e in rows:
        kid = f"{e['kid'] * 1e3:.2f}±{e['kid_std'] * 1e3:.2f}"
        fid = f"{e['fid']:.3f}" + (f"±{1.96 * e['fid_se']:.2g}" if "fid_se" in e else "")
        lines.append(f"{name:<16} {fid:>14} {kid:>14} {e['precision']:>6.3f} {e['recall']:>6.3f} "
                     f"{e['is']:>6.2f} {e['classes_missing']:>4}  {e['sampler']}")
    for name, value in (result.get("inception") or {}).get("fid", {}).items():
        lines.append(f"Inception-FID {name}: {value:.2f}")
    lines.append(f"wall time {result['wall_s']} s; written to metrics.json[\"generation\"] and figures/quality_*.png")
    return "\n".join(lines)


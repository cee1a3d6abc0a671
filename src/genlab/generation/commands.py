"""What the `sample`, `evaluate` and `metrics-net` commands do, as library functions
(the CLI only parses arguments and calls these)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genlab.config import DataConfig
from genlab.errors import GenlabError
from genlab.generation import samplers, shipped
from genlab.generation.evaluate import build_sampler, generative_config
from genlab.generation.metrics_net import MetricsNetRequest
from genlab.generation.metrics_net import run as metrics_net_run
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


MAX_SAMPLES = 1_000_000  # 0.8 GB at 28×28×1, 3 GB at 32×32×3, as uint8


def sample_run(req: SampleRequest) -> str:
    """Draw samples from one model of a run folder; returns a one-line summary."""
    if req.out is None and req.grid is None:
        raise GenlabError("nothing to write: pass --out samples.npz and/or --grid samples.png")
    if not 1 <= req.n <= MAX_SAMPLES:
        raise GenlabError(f"--n {req.n}: must be 1 to {MAX_SAMPLES:,} (all of them are held in memory and written "
                          "to one file); draw more in several calls with different --seed")
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


def metrics_net(data_config: DataConfig, req: MetricsNetRequest = MetricsNetRequest()) -> str:
    """Show a dataset's feature network (shipped, cached, or trained now); retrain it as a check
    against the shipped one; write it out as a shipped network (genlab.generation.metrics_net)."""
    from genlab.data import load

    return metrics_net_run(load(data_config), req)


def format_result(result: dict) -> str:
    """The evaluate result as a plain-text table for the terminal."""
    head = f"{'set':<16} {'FID':>14} {'KID×1e3':>14} {'prec':>6} {'recall':>6} {'IS':>6} {'miss':>4}  sampler"
    net = result["feature_net"]
    lines = [f"generation quality: {result['n']:,} samples each vs {result['reference']}; feature network "
             f"{shipped.network_name(net)} (sha256 {net['sha256'][:12]}…, test accuracy {net['test_accuracy']:.2%}): "
             f"FID-{shipped.network_name(net)}, KID-…", head]
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


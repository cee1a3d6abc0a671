"""Evaluate every generator of a run folder → metrics.json section "generation" + figures.

For each model that can generate (GAN / VAE from their prior, plain AEs through a
Gaussian mixture on their latent codes) genlab draws `n` samples and measures them
against the test set of the run's dataset. The same numbers for `n` held-out real
training images — the real-data floor — give every number a yardstick: a generator can at
best match real images, not reach zero.
"""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from genlab.config import StudyConfig, study_from_dict
from genlab.data import load as load_data
from genlab.errors import GenlabError
from genlab.generation import figures, samplers
from genlab.generation.features import (FeatureNet, FeatureNetConfig, extract, floor_images, load_or_train,
                                        reference_features)
from genlab.generation.scores import FeatureSet, MetricOptions, all_metrics, fid
from genlab.runs import RunDir

SECTION = "generation"  # the metrics.json section this module owns
EPOCH_KEY = "epoch_fid"  # the per-epoch record key written by epoch_fid.EpochFID


@dataclass
class EvaluateOptions:
    n: int = 10_000  # samples per generator (and real floor images); at most the test set's size
    models: list[str] | None = None  # default: every trained model that can generate
    seed: int = 0
    metrics: MetricOptions = field(default_factory=MetricOptions)
    sampler: samplers.SamplerOptions = field(default_factory=samplers.SamplerOptions)
    feature_net: FeatureNetConfig | None = field(default_factory=FeatureNetConfig)  # None: the run's own setting
    inception_weights: Path | None = None  # local pt_inception weights → also Inception-FID
    inception_n: int = 2000  # Inception-v3 is slow on a CPU: fewer images for it
    progress: bool = True


def generative_config(run: RunDir, command: str) -> StudyConfig:
    """The run's config, refusing runs of another kind (a kitti run holds detectors, whose
    summaries have no registry model to rebuild) with one line instead of a KeyError."""
    config = study_from_dict(run.read_config(), source=str(run.config))
    if config.data.dataset == "kitti":
        raise GenlabError(f"`genlab {command}` applies to runs of generative models on images (studies such as dense "
                          f"and gen); {run.path} is a {config.study} run — use `genlab detect eval {run.path}`")
    return config


def run_feature_net(config: StudyConfig) -> FeatureNetConfig:
    """The feature network a run's study file asked for (analysis.generation.feature_net), else the default."""
    from genlab.typed_settings import from_dict

    raw = (config.analysis.get("generation") or {}).get("feature_net") if isinstance(config.analysis, dict) else None
    return from_dict(FeatureNetConfig, raw, "analysis.generation.feature_net") if raw else FeatureNetConfig()


def evaluate_run(run: RunDir | Path, opts: EvaluateOptions = EvaluateOptions()) -> dict:
    """Measure every generator of `run`, write metrics.json["generation"] and figures, return it."""
    run = run if isinstance(run, RunDir) else RunDir(Path(run))
    config = generative_config(run, "evaluate")  # one line for a kitti run folder
    specs = _generators(config, run, opts)  # unknown or unfinished --models: refused before anything slow
    methods = _load_weights(run, specs)  # a damaged final.pt is one line before any figure is written
    _check_n(opts.n, None)
    if opts.inception_weights:
        from genlab.generation import inception

        if opts.inception_n < 10:
            raise GenlabError(f"--inception-n {opts.inception_n}: need at least 10 images per set")
        inception.check_available(opts.inception_weights)  # fail before minutes of work, not after
    start = time.perf_counter()
    data = load_data(config.data)
    n = _check_n(opts.n, len(data.test_images))  # before anything slow
    fnet, _ = load_or_train(opts.feature_net or run_feature_net(config), data, data.mirror, progress=opts.progress)
    reference = FeatureSet(*reference_features(fnet, data))
    floor = floor_images(data)[:n]
    floor_set = FeatureSet(*extract(fnet.net, floor))
    result = {
        "feature_net": _describe(fnet),
        "data": {"title": data.title, "classes": list(data.classes), "official": data.official, "note": data.note},
        "reference": f"{data.title} test set ({len(reference.features):,} images)",
        "test_size": len(reference.features),
        "n": n,
        "seed": opts.seed,
        "options": asdict(opts.metrics),
        "floor": {"title": "Real-data floor (held-out training images)", "sampler": "real images",
                  **all_metrics(reference, floor_set, opts.metrics)},
        "models": {},
    }
    _say(opts, f"feature network {fnet.name}; real-data floor: FID {result['floor']['fid']:.3f}")
    samplers.save_grid(run.figure(figures.SAMPLES_FIGURE.format(name=figures.FLOOR_NAME)), floor[:100], "real held-out training images")
    sets = {}
    for spec in specs:
        entry, images = _evaluate_model(run, config, spec, methods.pop(spec.name), fnet, reference, n, opts)
        if entry is not None:
            result["models"][spec.name] = entry
            sets[spec.name] = images
    _keep_other_models(run, result, config, opts)
    result["epoch_floor"] = _epoch_floors(run, result["models"], reference, floor_set)
    if opts.inception_weights:
        result["inception"] = inception.inception_fid(opts.inception_weights, data.test_images, floor, sets,
                                                      opts.inception_n)
    figures.class_histograms(run, result)
    figures.epoch_fid_curves(run, result, EPOCH_KEY)
    result["wall_s"] = round(time.perf_counter() - start, 1)
    run.update_metrics(SECTION, result)
    return result


def _keep_other_models(run: RunDir, result: dict, config, opts: EvaluateOptions) -> None:
    """`--models a b` re-measures a and b; the other models' numbers stay when they were
    measured the same way (feature network, n, seed, metric options), else they are dropped
    with a line saying why (numbers measured differently must not share one table)."""
    previous = run.read_metrics().get(SECTION) or {}
    others = {k: v for k, v in (previous.get("models") or {}).items() if k not in result["models"]}
    if not opts.models or not others:
        return
    same = (previous.get("feature_net", {}).get("sha256") == result["feature_net"]["sha256"]
            and previous.get("n") == result["n"] and previous.get("seed") == result["seed"]
            and previous.get("options") == result["options"])
    if not same:
        _say(opts, f"dropping the earlier numbers of {', '.join(others)}: they were measured with another feature "
                   "network, n, seed or metric options; run `genlab evaluate` without --models to re-measure all")
        return
    order = [spec.name for spec in config.models]
    merged = {**others, **result["models"]}
    result["models"] = {name: merged[name] for name in sorted(merged, key=lambda n: order.index(n) if n in order else len(order))}


def _check_n(n: int, available: int | None) -> int:
    if n < 10:
        raise GenlabError(f"--n {n}: need at least 10 samples (KID and precision/recall use neighbours)")
    if available is not None and n > available:
        raise GenlabError(f"--n {n}: the reference has only {available:,} test images; use --n {available} or fewer")
    return n


def _describe(fnet: FeatureNet) -> dict:
    """What the report, results.csv and `genlab compare` say of the network: its name (FID-<name>)
    says which feature space every number of the section lives in."""
    training = fnet.record.get("training", fnet.record)
    return {"name": fnet.name, "shipped": fnet.shipped, "file": str(fnet.path), "sha256": fnet.sha256,
            "test_accuracy": fnet.record["test_accuracy"], "train_seconds": training.get("train_seconds"),
            "feature_dim": fnet.net.num_features}


def _generators(config: StudyConfig, run: RunDir, opts: EvaluateOptions):
    """The model specs to evaluate: the requested ones (all must exist), else every trained one."""
    if opts.models:
        specs = [config.model(name) for name in opts.models]  # raises on an unknown name
        for spec in specs:
            if not run.model(spec.name).is_done():
                raise GenlabError(f"model {spec.name!r} has not finished training in {run.path}; "
                                  "finish the run (genlab run … --resume) first")
        return specs
    return [spec for spec in config.models if run.model(spec.name).is_done()]


def _load_weights(run: RunDir, specs) -> dict:
    """{name: trained method}: every final.pt is read once, and all of them before a figure is
    written, so a damaged one is one line instead of a half-written section."""
    from genlab.registry import load_trained

    return {spec.name: load_trained(run.model(spec.name).path) for spec in specs}


_TRAIN_IMAGES: dict = {}


def train_images(config: StudyConfig) -> torch.Tensor:
    """The run's own training split (uint8 N×C×H×W), which the AE mixture samplers are fitted on."""
    from genlab.data.splits import make_splits

    key = (repr(config.data), config.seed)
    if key not in _TRAIN_IMAGES:
        _TRAIN_IMAGES.clear()
        _TRAIN_IMAGES[key] = make_splits(config.data, config.seed).train.images
    return _TRAIN_IMAGES[key]


def build_sampler(run: RunDir, config: StudyConfig, name: str, opts: samplers.SamplerOptions, seed: int = 0,
                  method=None):
    """(method, sampler or None) for the model `name` of a run folder (`method`: its weights,
    when the caller has loaded them already)."""
    from genlab.registry import load_trained

    method = method if method is not None else load_trained(run.model(name).path)
    images = train_images(config) if method.sampling == "codes" else None
    return method, samplers.sampler_for(method, opts, images, seed)


def _evaluate_model(run, config, spec, method, fnet, reference, n, opts):
    t0 = time.perf_counter()
    method, sampler = build_sampler(run, config, spec.name, opts.sampler, opts.seed, method)
    if sampler is None:
        return None, None
    drawn = time.perf_counter()
    images = samplers.draw(sampler, n, opts.seed, opts.sampler.batch_size)  # uint8 n×C×H×W
    per_1000 = (time.perf_counter() - drawn) / n * 1000  # the sampler's own cost, before any feature pass
    # "prior": the prior of a model whose prior is a setting (a GAN's), compared across priors in the report
    entry = {"title": spec.title, "sampler": sampler.description, "prior": method.prior if method.prior_choice else None,
             **all_metrics(reference, FeatureSet(*extract(fnet.net, images)), opts.metrics)}
    entry["seconds"] = round(time.perf_counter() - t0, 1)
    entry["sample_s_per_1000"] = per_1000
    samplers.save_grid(run.figure(figures.SAMPLES_FIGURE.format(name=spec.name)), images[:100], f"{spec.title}: {sampler.description}")
    _say(opts, f"{spec.name}: FID {entry['fid']:.3f}, KID {entry['kid']:.4f}, P {entry['precision']:.3f}, "
               f"R {entry['recall']:.3f}, IS {entry['is']:.2f} ({entry['seconds']} s)")
    return entry, images


def _epoch_floors(run: RunDir, models: dict, reference: FeatureSet, floor: FeatureSet) -> dict:
    """The real-data floor at each sample size the per-epoch FID used (FID grows as n shrinks)."""
    sizes = set()
    for name in models:
        for record in run.model(name).read_metrics():
            size = (record.get("extra") or {}).get(f"{EPOCH_KEY}_n")
            if size:
                sizes.add(int(size))
    return {str(size): fid(reference.features, floor.features[:size]) for size in sorted(sizes) if size <= len(floor.features)}


def _say(opts: EvaluateOptions, message: str) -> None:
    if opts.progress:
        print(f"genlab evaluate: {message}", file=sys.stderr, flush=True)

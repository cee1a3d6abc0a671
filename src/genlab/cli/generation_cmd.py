"""`genlab sample`, `genlab evaluate`, `genlab metrics-net`: generation quality."""
from __future__ import annotations

from pathlib import Path

from genlab.cli import arg_types


def register(sub) -> None:
    p = sub.add_parser("sample", help="draw samples from a trained generator of a run folder (npz and/or png grid)")
    p.add_argument("run_dir", type=Path, help="run folder written by `genlab run`")
    p.add_argument("--model", required=True, help="model name in the run, e.g. gan_normal, vae, ae64")
    p.add_argument("--n", type=int, default=10_000, help="number of samples (default 10000)")
    p.add_argument("--out", type=Path, help="write images (uint8 N×C×H×W) to this .npz")
    p.add_argument("--grid", type=Path, help="write a grid of the first 100 samples to this .png")
    p.add_argument("--prior", choices=("normal", "uniform"), help="GANs: latent prior (default: the training prior)")
    p.add_argument("--seed", type=arg_types.seed, default=0)
    p.set_defaults(func=_sample)

    p = sub.add_parser("evaluate", help="FID, KID, precision/recall, IS and class histogram of every generator in a run")
    p.add_argument("run_dir", type=Path, help="run folder written by `genlab run`")
    p.add_argument("--n", type=int, default=10_000, help="samples per generator and real floor images (default 10000)")
    p.add_argument("--models", nargs="+", help="only these models (default: every trained model that can generate)")
    p.add_argument("--seed", type=arg_types.seed, default=0)
    p.add_argument("--gmm-components", type=int, default=10, help="mixture components of the autoencoder samplers")
    p.add_argument("--inception-weights", type=Path,
                   help="local pt_inception weights file: also report standard Inception-FID (needs torch-fidelity)")
    p.add_argument("--inception-n", type=int, default=2000, help="images per set for Inception-FID (slow on CPU)")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("metrics-net", help="train (once) or show a dataset's feature network behind FID/KID")
    p.add_argument("--dataset", default="fashion_mnist", help="the dataset (default fashion_mnist; `genlab data` lists them)")
    p.add_argument("--data-dir", help="the folder or file that holds it (else it is looked up as `genlab data` says)")
    p.add_argument("--retrain", action="store_true",
                   help="train it again (a shipped network stays in use: its fixed-set FIDs are printed beside "
                        "the retrained one's, as a check)")
    p.add_argument("--threads", type=int, help="pin torch's CPU threads (training is bit-reproducible at a fixed count)")
    p.add_argument("--write-shipped", type=Path, metavar="DIR",
                   help="with --retrain: write the network trained now into DIR as the next shipped version "
                        "(weights + manifest; genlab's own: src/genlab/generation/networks)")
    p.set_defaults(func=_metrics_net)


def _check_run(path: Path) -> None:
    """The run folder is whole (config, metrics, summaries) before anything slow is imported."""
    from genlab.runs import RunDir, check_run

    check_run(RunDir(path))


def _check_file_out(path: Path | None, flag: str) -> None:
    from genlab.runs import check_file_target

    check_file_target(path, flag, f"samples{path.suffix or '.npz'}" if path else "")


def _sample(args) -> int:
    from genlab.generation.commands import SampleRequest, sample_run

    _check_run(args.run_dir)
    _check_file_out(args.out, "--out")
    _check_file_out(args.grid, "--grid")
    print(sample_run(SampleRequest(args.run_dir, args.model, args.n, args.out, args.grid, args.prior, args.seed)))
    return 0


def _evaluate(args) -> int:
    from genlab.generation.commands import format_result
    from genlab.generation.evaluate import EvaluateOptions, evaluate_run
    from genlab.generation.samplers import SamplerOptions

    _check_run(args.run_dir)
    opts = EvaluateOptions(n=args.n, models=args.models, seed=args.seed, feature_net=None,
                           sampler=SamplerOptions(gmm_components=args.gmm_components),
                           inception_weights=args.inception_weights, inception_n=args.inception_n)
    print(format_result(evaluate_run(args.run_dir, opts)))
    return 0


def _metrics_net(args) -> int:
    from genlab.config import DataConfig
    from genlab.errors import GenlabError
    from genlab.generation.commands import metrics_net
    from genlab.generation.metrics_net import MetricsNetRequest

    if args.threads is not None and not 1 <= args.threads <= 1024:
        raise GenlabError(f"--threads must be from 1 to 1024, got {args.threads}")
    if args.write_shipped is not None:
        if not args.retrain:
            raise GenlabError("--write-shipped writes a network trained now: add --retrain")
        if args.write_shipped.exists() and not args.write_shipped.is_dir():
            raise GenlabError(f"--write-shipped {args.write_shipped} is a file; name a folder")
    req = MetricsNetRequest(retrain=args.retrain, threads=args.threads, write_shipped=args.write_shipped)
    print(metrics_net(DataConfig(dataset=args.dataset, root=args.data_dir), req))
    return 0

"""Study 2 (report 004, part I): convolutional AE, VAE and DAE on Fashion-MNIST; their
reconstructions, error distributions and latent spaces; noise robustness (PSNR / SSIM);
and classifiers on their frozen encoders beside linear / k-NN probes and a raw-pixel
baseline. The report's tables 4 and 5 are shown beside ours."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from genlab.data import fashion_mnist
from genlab.data.splits import Split, Splits, make_splits
from genlab.engine.device import model_seed
from genlab.evaluation import robustness
from genlab.evaluation.classify import HeadConfig, train_classifier
from genlab.evaluation.metrics import per_image_mse
from genlab.evaluation.probes import encode_split, knn_probe, linear_probe
from genlab.figures import common as figs
from genlab.figures import conv as cfigs
from genlab.methods.classifier import FrozenEncoderClassifier, PixelEncoder
from genlab.runs import ModelDir, RunDir
from genlab.report.page import Figure, Section, Table, Text
from genlab.studies.base import StudyContext
from genlab.studies.runner import train_models, trained_models

RAW = "raw"  # the raw-pixel baseline's name among the classifiers


@dataclass
class Options:
    """The study file's `analysis:` mapping."""

    reported: dict[str, dict] = field(default_factory=dict)  # report 004's tables 4 and 5, by model name
    reconstruction_images: int = 10
    display_noise: float | None = None  # noise of the noisy-input figures; default: the DAE's training noise
    noise_factors: list[float] = field(default_factory=lambda: [round(0.1 * i, 1) for i in range(11)])
    robustness_images: int | None = None  # test images in the robustness curves (None: all)
    tsne_points: int = 2000  # seeded subset of the test set (t-SNE is O(n²) in memory)
    tsne_perplexity: float = 30.0
    probe_train_size: int | None = 20000  # training images for the linear / k-NN probes (None: all)
    knn_k: int = 5
    probe_max_iter: int = 300
    head: HeadConfig = field(default_factory=HeadConfig)


class ConvStudy:
    kind = "conv"
    title = "Study 2 — convolutional AE, VAE, DAE and frozen-encoder classifiers on Fashion-MNIST"
    Options = Options

    def preflight(self, config) -> None:
        fashion_mnist.load(config.data.data_dir)  # verified before the run folder exists

    def run(self, ctx: StudyContext) -> None:
        cfg, run, opts = ctx.config, ctx.run, ctx.options
        splits = make_splits(cfg.data, cfg.seed)
        summaries = train_models(ctx, splits)
        methods = trained_models(ctx)
        titles = {spec.name: spec.title for spec in cfg.models}
        noise = _display_noise(methods, opts)
        timings: dict[str, float] = {}
        results = {"n_train": len(splits.train), "n_val": len(splits.val), "n_test": len(splits.test),
                   "display_noise": noise, "dae_noise": _dae_noise(methods), "timings_s": timings,
                   "models": {n: {**summaries[n], "stages": _stage_shapes(m)} for n, m in methods.items()}}
        steps = [("figures", lambda: _reconstruction_figures(run, methods, titles, splits.test, opts, noise, cfg.seed)),
                 ("errors", lambda: _error_histograms(run, methods, titles, splits.test, noise, cfg.seed)),
                 ("tsne", lambda: _tsne(run, methods, titles, splits.test, opts, cfg.seed)),
                 ("robustness", lambda: _robustness(run, methods, titles, splits.test, opts, noise, cfg.seed)),
                 ("classifiers", lambda: _classifiers(run, methods, titles, splits, opts, cfg.seed))]
        for key, step in steps:
            start = time.perf_counter()
            results[key] = step()
            timings[key] = time.perf_counter() - start
        figs.save_loss_curves(run.figure("loss_curves"), {titles[n]: run.model(n).read_metrics() for n in methods},
                              {titles[n]: "loss" for n in methods}, "Train and validation loss per epoch")
        run.update_metrics("conv", results)

    def sections(self, run: RunDir, config) -> list[Section]:
        from genlab.config import typed_options

        opts = typed_options(Options, config.analysis, "analysis")
        data = run.read_metrics().get("conv", {})
        if not data:
            return [Section("Study 2", [Text("This run holds no study-2 results yet (it did not finish); "
                                             "rerun with --resume to complete it.", note=True)])]
        return [_overview(config, data, opts.reported), _architecture(config, data), _reconstruction_section(data),
                _robustness_section(data), _classifier_section(data, opts.reported), _probe_section(data),
                _timing_section(config, data)]


def _display_noise(methods: dict, opts: Options) -> float:
    return opts.display_noise if opts.display_noise is not None else (_dae_noise(methods) or 0.5)


def _dae_noise(methods: dict) -> float | None:
    return next((float(m.noise_factor) for m in methods.values() if hasattr(m, "noise_factor")), None)


def _images(split: Split, n: int | None = None) -> torch.Tensor:
    images = split.images[:n] if n else split.images
    return images.unsqueeze(1).float() / 255  # N×1×28×28 in [0, 1]


def _noisy(x: torch.Tensor, factor: float, seed: int) -> torch.Tensor:
    return robustness.add_noise(x, factor, torch.Generator().manual_seed(seed))


@torch.no_grad()
def _stage_shapes(method) -> dict[str, list]:
    """Output shape of every stage of the encoder and decoder networks (the report's tables' rows)."""
    shapes: dict[str, list] = {}
    h = torch.zeros(2, 1, 28, 28)
    for part in ("encoder", "decoder"):
        network = getattr(method, part)
        if part == "decoder":
            h = method.encode(torch.zeros(2, 1, 28, 28)).view(-1, *network.in_shape)  # the code (VAE: μ)
        rows = []
        for stage in network.stages:
            h = stage(h)
            rows.append([" → ".join(type(m).__name__ for m in stage.children()) or type(stage).__name__,
                         "×".join(str(s) for s in h.shape[1:])])
        shapes[part] = rows
    return shapes


def _reconstruction_figures(run: RunDir, methods: dict, titles: dict, test: Split, opts: Options, noise: float,
                            seed: int) -> dict:
    x, labels = _images(test, opts.reconstruction_images), test.labels[:opts.reconstruction_images].numpy()
    for kind, inputs in (("clean", x), ("noisy", _noisy(x, noise, seed))):
        rows = [(f"input ({kind})" if kind == "clean" else f"noisy input ({noise:g})", figs.to_uint8(inputs))]
        rows += [(titles[n], figs.to_uint8(robustness.reconstruct(m, inputs))) for n, m in methods.items()]
        what = "clean test images" if kind == "clean" else f"test images + {noise:g}·N(0, 1) (shown clipped to [0, 1])"
        figs.save_pairs(run.figure(f"recon_{kind}"), rows, labels, f"Reconstructions of {what}, one row per model")
    return {"images": len(x)}


def _error_histograms(run: RunDir, methods: dict, titles: dict, test: Split, noise: float, seed: int) -> dict:
    """Per-image MSE against the clean image, every test image, clean and noisy inputs."""
    x = _images(test)
    inputs = {"clean inputs": x, f"noisy inputs (noise factor {noise:g})": _noisy(x, noise, seed)}
    errors = {cond: {titles[n]: per_image_mse(robustness.reconstruct(m, xi), x).numpy() for n, m in methods.items()}
              for cond, xi in inputs.items()}
    cfigs.error_histograms(run.figure("error_hist"), errors, "Per-image reconstruction error on the test set")
    return {cond: {name: {"mean": float(e.mean()), "median": float(np.median(e)), "p95": float(np.percentile(e, 95))}
                   for name, e in per_model.items()} for cond, per_model in errors.items()}


def _tsne(run: RunDir, methods: dict, titles: dict, test: Split, opts: Options, seed: int) -> dict:
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed))[:opts.tsne_points]
    subset = Split(test.images[order], test.labels[order])
    embeddings = {}
    for name, method in methods.items():
        codes = encode_split(method, subset).x.numpy()  # N×D
        if codes.shape[1] > 50:  # the usual PCA step before t-SNE: faster, and removes noise dimensions
            codes = PCA(50, random_state=seed).fit_transform(codes)
        perplexity = min(opts.tsne_perplexity, (len(codes) - 1) / 3)
        embeddings[titles[name]] = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(codes)
    cfigs.tsne_panels(run.figure("tsne"), embeddings, subset.labels.numpy(),
                      f"t-SNE of the latent codes of {len(subset):,} test images (AE/DAE: 128×3×3 bottleneck, VAE: μ)")
    return {"points": len(subset), "perplexity": min(opts.tsne_perplexity, (len(subset) - 1) / 3)}


def _robustness(run: RunDir, methods: dict, titles: dict, test: Split, opts: Options, noise: float, seed: int) -> dict:
    x = _images(test, opts.robustness_images)
    curves = robustness.noise_curves({titles[n]: m for n, m in methods.items()}, x, opts.noise_factors, seed)
    cfigs.robustness_curves(run.figure("robustness"), opts.noise_factors, curves, _dae_noise(methods),
                            f"Reconstruction of the clean image from noisy inputs ({len(x):,} test images)")
    return {"factors": opts.noise_factors, "images": len(x), "curves": curves}


def _classifiers(run: RunDir, methods: dict, titles: dict, splits: Splits, opts: Options, seed: int) -> dict:
    """For every encoder and the raw pixels: an MLP head on the frozen features, a linear probe, k-NN."""
    encoders = {**{n: (titles[n], m) for n, m in methods.items()}, RAW: ("raw pixels (baseline)", PixelEncoder())}
    results = {}
    for name, (title, encoder) in encoders.items():
        feats = {split: encode_split(encoder, getattr(splits, split)) for split in ("train", "val", "test")}
        torch.manual_seed(model_seed(seed, f"classifier_{name}"))  # the head's initialisation
        clf = FrozenEncoderClassifier(encoder, feats["train"].x.shape[1], opts.head.hidden, len(splits.classes),
                                      opts.head.dropout)
        out = ModelDir(run.path / "classifiers" / name)
        summary = train_classifier(clf, feats["train"], feats["val"], feats["test"], opts.head, seed, out)
        cfigs.confusion(run.figure(f"confusion_{name}"), summary["test"]["confusion"],
                        f"{title}: {'MLP head on the pixels' if name == RAW else 'frozen encoder + MLP head'}, test set")
        probe_train = feats["train"].head(opts.probe_train_size)
        summary["linear_probe"] = linear_probe(probe_train, feats["test"], opts.probe_max_iter, seed)
        summary["knn"] = knn_probe(probe_train, feats["test"], opts.knn_k)
        summary.update({"title": title, "feature_dim": int(feats["train"].x.shape[1])})
        results[name] = summary
    cfigs.classifier_curves(run.figure("classifier_curves"),
                            {results[n]["title"]: ModelDir(run.path / "classifiers" / n).read_metrics() for n in results},
                            "Frozen-encoder classifiers: loss and accuracy per epoch (the head only is trained)")
    return results


STUDY = ConvStudy()


# ---------------------------------------------------------------- report (from the run folder only)

def _overview(config, data: dict, reported: dict) -> Section:
    rows = []
    for spec in config.models:
        s, rep = data["models"].get(spec.name), reported.get(spec.name, {})
        if s:
            f = s["final"]
            rows.append([spec.title, s["epochs"], s["batch_size"], s["parameters"], f["train"]["loss"], rep.get("train_loss"),
                         f["val"]["loss"], rep.get("val_loss"), f["test"]["loss"], s["wall_time_s"]])
    dae = data.get("dae_noise")
    text = (f"Trained on {data['n_train']:,} Fashion-MNIST training images ({data['n_val']:,} held out for validation, "
            f"seeded), evaluated on {data['n_test']:,} test images; Adam, learning rate 1e-3. Losses: AE and DAE = "
            "mean squared error per pixel (the DAE's against the clean image from a freshly noised input, on "
            "validation too, as the report's); VAE = per-image squared error summed over the 784 pixels + KL "
            "(nats), averaged over images. Our VAE loss is therefore on a different scale from the report's "
            "20.45 / 5.14, whose normalisation the report does not state (its validation loss being a quarter of "
            "its training loss suggests a different averaging for the two).")
    if dae is not None:
        text += (f"\n\nThe report does not give the DAE's noise factor; ours is {dae:g} (x + {dae:g}·N(0, 1), "
                 "not clipped to [0, 1], exactly the report's formula).")
    table = Table(["model", "epochs", "batch", "parameters", "train loss", "report train", "val loss", "report val",
                   "test loss", "wall time (s)"], rows, "Table 4 of report 004 beside ours (last epoch)")
    return Section("Overview: training, ours beside report 004", [Text(text), table,
                                                                  Figure("figures/loss_curves.png",
                                                                         "Train and validation loss per epoch, every model")])


def _architecture(config, data: dict) -> Section:
    blocks = [Text("Layers and output shapes as run (channels × height × width), measured on this run's trained "
                   "networks. The report's tables 1 and 2 give strides and output shapes; we chose 3×3 kernels with "
                   "padding 1 (4×4 for the AE's stride-3 transposed convolution), an activation after every hidden layer "
                   "(with BatchNorm where the model's params say norm=batch; each table lists the layers), and "
                   "for the AE's 'Upsample to 28×28 → 1×28×28' row a 2× bilinear upsampling followed by a 3×3 "
                   "convolution to one channel. The VAE's μ / log σ² head (Linear 512 → 2×20) belongs to the objective.")]
    for spec in config.models:
        s = data["models"].get(spec.name)
        if s and s.get("stages"):
            rows = [[f"{part} {i + 1}", layer, shape] for part in ("encoder", "decoder")
                    for i, (layer, shape) in enumerate(s["stages"][part])]
            blocks.append(Table(["stage", "layers", "output shape"], rows,
                                f"{spec.title} ({spec.model}, {', '.join(f'{k}={v}' for k, v in spec.params.items()) or 'defaults'})"))
    return Section("Architectures (report 004, tables 1 and 2)", blocks)


def _reconstruction_section(data: dict) -> Section:
    noise, errors = data["display_noise"], data["errors"]
    rows = [[cond, name, v["mean"], v["median"], v["p95"]] for cond, per_model in errors.items() for name, v in per_model.items()]
    tsne = data["tsne"]
    return Section("Reconstructions, error distributions and latent spaces", [
        Figure("figures/recon_clean.png", "Clean test images (top row) and each model's reconstruction"),
        Figure("figures/recon_noisy.png", f"The same images with noise factor {noise:g} and each model's reconstruction"),
        Figure("figures/error_hist.png", "Distribution of per-image reconstruction MSE (against the clean image), "
                                         "every test image"),
        Table(["input", "model", "mean MSE", "median MSE", "95th percentile"], rows, "Per-image reconstruction error"),
        Text(f"t-SNE on a seeded subset of {tsne['points']:,} test images (perplexity {tsne['perplexity']:g}, PCA to 50 "
             "dimensions first for the 1152-d AE/DAE codes) to keep it to seconds on a CPU."),
        Figure("figures/tsne.png", "t-SNE of each model's latent codes, coloured by class"),
    ])


def _robustness_section(data: dict) -> Section:
    rob = data["robustness"]
    factors, curves = rob["factors"], rob["curves"]
    blocks = [Text(f"Beyond the report: each model reconstructs x + factor·N(0, 1) for {len(factors)} noise factors "
                   f"on {rob['images']:,} test images, scored against the clean image (per-image PSNR with data range 1 "
                   "with torchmetrics, and SSIM with a σ 1.5 Gaussian window, scikit-image; means over images). The noise is not "
                   "clipped, as in the DAE's training, and one seeded draw is scaled to every factor and shared by all "
                   "models. 'noisy input' scores the corrupted image itself (infinite PSNR at factor 0)."),
              Figure("figures/robustness.png", "PSNR and SSIM of the reconstruction against the clean image")]
    for key, label in (("psnr", "PSNR (dB)"), ("ssim", "SSIM")):
        rows = [[name, *curve[key]] for name, curve in curves.items()]
        blocks.append(Table(["model", *[f"{f:g}" for f in factors]], rows, f"{label} by noise factor"))
    verdict = _dae_vs_ae(data)
    if verdict:
        blocks.append(Text(verdict, note=True))
    return Section("Noise robustness (PSNR / SSIM)", blocks)


def _dae_vs_ae(data: dict) -> str:
    titles = {n: s["title"] for n, s in data["models"].items()}
    ae = next((titles[n] for n, s in data["models"].items() if s["model"] == "conv_ae"), None)
    dae = next((titles[n] for n, s in data["models"].items() if s["model"] == "conv_dae"), None)
    if not (ae and dae):
        return ""
    factors, curves = data["robustness"]["factors"], data["robustness"]["curves"]
    losing = [f for f, a, d in zip(factors, curves[ae]["psnr"], curves[dae]["psnr"]) if f >= 0.3 and d <= a]
    if losing:
        return f"The {dae} does NOT beat the {ae} in PSNR at noise factors {', '.join(f'{f:g}' for f in losing)}."
    return f"The {dae}'s PSNR beats the {ae}'s at every noise factor ≥ 0.3."


def _classifier_section(data: dict, reported: dict) -> Section:
    results = data["classifiers"]
    rows, macro = [], []
    for name, r in results.items():
        t, rep = r["test"], reported.get(name, {})
        rows.append([r["title"], *[100 * t[k] for k in ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted")],
                     *[rep.get(k) for k in ("accuracy", "precision", "recall", "f1")]])
        macro.append([r["title"], r["feature_dim"], 100 * t["precision_macro"], 100 * t["recall_macro"],
                      100 * t["f1_macro"], r["best_epoch"], r["trainable_parameters"], r["train_time_s"]])
    blocks = [
        Text("Each trained encoder is frozen (requires_grad off, held in eval mode) and a head — Flatten → fully "
             "connected layers with ReLU and dropout → 10 classes — is trained with cross-entropy on the training "
             "labels; the epoch with the best validation accuracy is kept and scored once on the test set. Features: "
             "the AE's and DAE's 128×3×3 bottleneck flattened (1152-d), the VAE's mean μ (20-d), and for the "
             "baseline the 784 raw pixels through the same head. Precision, recall and F1 are weighted by class "
             "support, as the report's; macro averages are in the second table."),
        Table(["encoder", "accuracy %", "precision %", "recall %", "F1 %", "report acc.", "report prec.",
               "report rec.", "report F1"], rows, "Table 5 of report 004 beside ours (test set, weighted averages)"),
        Table(["encoder", "feature dim", "macro precision %", "macro recall %", "macro F1 %", "best epoch",
               "trained parameters", "train time (s)"], macro, "Macro averages and training of the heads"),
        Figure("figures/classifier_curves.png", "Loss and accuracy per epoch, train and validation"),
    ]
    blocks += [Figure(f"figures/confusion_{n}.png", f"{r['title']}: confusion matrix (test set)") for n, r in results.items()]
    return Section("Classifiers on frozen encoders (report 004, table 5)", blocks)


def _probe_section(data: dict) -> Section:
    results = data["classifiers"]
    raw = results.get(RAW)
    rows = [[r["title"], r["feature_dim"], 100 * r["linear_probe"]["accuracy"], r["linear_probe"]["iterations"],
             r["linear_probe"].get("converged"), 100 * r["knn"]["accuracy"], 100 * r["test"]["accuracy"]]
            for r in results.values()]
    any_r = next(iter(results.values()))
    blocks = [Text(f"Beyond the report: a linear probe (multinomial logistic regression on standardised features, "
                   f"scikit-learn) and a {any_r['knn']['k']}-nearest-neighbour vote, both fitted on "
                   f"{any_r['linear_probe']['n_train']:,} training images and scored on {any_r['linear_probe']['n_test']:,} "
                   "test images, measure the frozen features themselves; the raw pixels are the baseline."),
              Table(["features", "dim", "linear probe %", "L-BFGS iterations", "converged", "k-NN %", "MLP head %"], rows,
                    "Probe accuracy (test set)")]
    if raw:
        base = raw["linear_probe"]["accuracy"]
        worse = [r["title"] for n, r in results.items() if n != RAW and r["linear_probe"]["accuracy"] <= base]
        better = [r["title"] for n, r in results.items() if n != RAW and r["linear_probe"]["accuracy"] > base]
        text = f"By linear probe, {', '.join(better) or 'no encoder'} beat{'s' if len(better) == 1 else ''} the raw pixels ({100 * base:.2f}%)."
        if worse:
            text += (f" {', '.join(worse)} do{'es' if len(worse) == 1 else ''} NOT: "
                     "their features are less linearly separable than the pixels themselves.")
        blocks.append(Text(text, note=bool(worse)))
    return Section("Linear probe and k-NN on the frozen features", blocks)


def _timing_section(config, data: dict) -> Section:
    rows = [[s["title"], s["train_time_s"], s["wall_time_s"], s["images_per_s"], s["device"]]
            for s in data["models"].values()]
    steps = [[key, seconds] for key, seconds in data["timings_s"].items()]
    return Section("Wall time", [
        Table(["model", "train time (s)", "wall time incl. validation (s)", "images/s", "device"], rows,
              "Training of each model (machine under Environment)"),
        Table(["analysis step", "seconds"], steps, "Analyses after training (classifiers include features and probes)"),
    ])

"""Study 1 (report 000): dense AE (latent 2 and 64), VAE and GAN (normal / uniform prior)
on Fashion-MNIST, with the report's numbers shown beside ours."""
from __future__ import annotations

from dataclasses import dataclass, field


from genlab.config import StudyConfig, typed_options
from genlab.errors import GenlabError
from genlab.data import fashion_mnist
from genlab.data.splits import make_splits
from genlab.engine.callbacks import SampleSnapshots, snapshot_epochs
from genlab.figures import common as figs
from genlab.figures import dense as dfigs
from genlab.quality.epoch_fid import EpochFID
from genlab.quality.evaluate import EvaluateOptions, evaluate_run
from genlab.quality.features import FeatureNetConfig, load_or_train
from genlab.quality.report import quality_sections
from genlab.report.page import Figure, Section, Table, Text
from genlab.runs import RunDir
from genlab.studies.base import StudyContext
from genlab.studies.runner import train_models, trained_models


@dataclass
class Options:
    """The study file's `analysis:` mapping."""

    reported: dict[str, dict] = field(default_factory=dict)  # report 000's numbers, by model name
    reconstruction_images: int = 10
    latent_grid_size: int = 15
    scatter_points: int = 10000
    snapshots: int = 4  # epochs at which GAN/VAE samples from fixed noise are kept
    prior_samples: int = 100
    generation_metrics: bool = True  # FID / KID / precision-recall / IS at the end of the study
    generation_samples: int = 10000  # samples per generator (the test set has 10,000)
    epoch_fid_models: list[str] = field(default_factory=list)  # per-epoch FID curve for these models
    epoch_fid_n: int = 2000
    feature_net: FeatureNetConfig = field(default_factory=FeatureNetConfig)


class DenseStudy:
    kind = "dense"
    title = "Study 1 — dense autoencoders, VAE and GAN on Fashion-MNIST"
    Options = Options

    def preflight(self, config: StudyConfig) -> None:
        fashion_mnist.load(config.data.data_dir)  # verified once, cached for run()
        opts = typed_options(Options, config.analysis, "analysis")
        unknown = [m for m in opts.epoch_fid_models if m not in {s.name for s in config.models}]
        if unknown:
            raise GenlabError(f"analysis.epoch_fid_models names {unknown[0]!r}, which is not a model of this study")

    def run(self, ctx: StudyContext) -> None:
        cfg, run, opts = ctx.config, ctx.run, ctx.options
        splits = make_splits(cfg.data, cfg.seed)
        if opts.generation_metrics:
            # train (or load) the feature network first, so it never runs inside a timed training
            load_or_train(opts.feature_net, progress=ctx.runtime.progress)
        summaries = train_models(ctx, splits, lambda spec: self._callbacks(spec, opts, ctx.runtime.progress))
        methods = trained_models(ctx)
        analysis = {name: self._figures(run, cfg, name, method, splits, opts) for name, method in methods.items()}
        _loss_curves(run, cfg)
        run.update_metrics("dense", {"n_train": len(splits.train), "n_val": len(splits.val), "n_test": len(splits.test),
                                     "models": {n: {**summaries[n], **analysis[n]} for n in summaries}})
        if opts.generation_metrics:
            evaluate_run(run, EvaluateOptions(n=min(opts.generation_samples, len(splits.test)), seed=cfg.seed,
                                              feature_net=opts.feature_net, progress=ctx.runtime.progress))

    @staticmethod
    def _callbacks(spec, opts: Options, progress: bool) -> list:
        callbacks = [SampleSnapshots(snapshot_epochs(spec.train.epochs, opts.snapshots))]
        if opts.generation_metrics and spec.name in opts.epoch_fid_models:
            callbacks.append(EpochFID(n=opts.epoch_fid_n, feature_net=opts.feature_net, progress=progress))
        return callbacks

    def _figures(self, run: RunDir, cfg: StudyConfig, name: str, method, splits, opts: Options) -> dict:
        """Every figure this model's capabilities allow; returns extra numbers to report."""
        title = cfg.model(name).title
        extra: dict = {}
        k = opts.reconstruction_images
        if hasattr(method, "reconstruct"):
            for split_name, split in (("test", splits.test), ("train", splits.train)):
                x, y = next(_first_batch(split, k))
                dfigs.reconstructions(run.figure(f"recon_{split_name}_{name}"), method, x, y,
                                      f"{title}: {split_name} images (top) and reconstructions (bottom)")
        if getattr(method, "latent_dim", None) == 2 and hasattr(method, "encode"):
            extra.update(self._latent_2d(run, name, title, method, splits.test, opts))
        if hasattr(method, "sample"):
            dfigs.samples(run.figure(f"samples_{name}"), method, opts.prior_samples, cfg.seed,
                          f"{title}: samples from the prior")
            snaps = sorted((run.model(name).path / "samples").glob("epoch_*.npz"))
            if snaps:
                dfigs.gan_progress(run.figure(f"progress_{name}"), snaps, f"{title}: the same noise batch over training")
        records = run.model(name).read_metrics()
        if records and "kl" in records[0]["train"]:
            dfigs.vae_parts(run.figure(f"parts_{name}"), records, f"{title}: loss parts per image")
        return extra

    def _latent_2d(self, run: RunDir, name: str, title: str, method, test, opts: Options) -> dict:
        x = test.images[:opts.scatter_points].unsqueeze(1).float() / 255
        codes = dfigs.latent_codes(method, x)  # N×2
        labels = test.labels[:opts.scatter_points].numpy()
        dfigs.latent_scatter(run.figure(f"latent_scatter_{name}"), codes, labels,
                             f"{title}: test set in latent space ({len(codes):,} images)")
        dfigs.latent_grid(run.figure(f"latent_grid_{name}"), method, codes, opts.latent_grid_size,
                          f"{title}: decoded regular grid of latent points")
        # Why a ReLU 2-D latent fails to learn: count codes stuck at exactly 0 (dead units).
        zero = (codes == 0)
        return {"latent_zero_fraction": zero.mean(0).round(4).tolist(), "latent_all_zero_fraction": float(zero.all(1).mean())}

    def sections(self, run: RunDir, config: StudyConfig) -> list[Section]:
        data = run.read_metrics().get("dense", {})
        models = data.get("models", {})
        opts = typed_options(Options, config.analysis, "analysis")
        quality = quality_sections(run) if opts.generation_metrics or "generation" in run.read_metrics() else []
        return [_overview(config, data, models, opts), *_model_sections(run, config, models, opts),
                _curves_section(run, config), *quality]


def _first_batch(split, n: int):
    yield split.images[:n].unsqueeze(1).float() / 255, split.labels[:n]


def _main_loss(summary: dict) -> str:
    return "loss" if "loss" in summary["final"]["train"] else "generator_loss"


def _overview(config: StudyConfig, data: dict, models: dict, opts: Options) -> Section:
    rows = []
    for spec in config.models:
        s = models.get(spec.name)
        if not s:
            continue
        key, rep = _main_loss(s), opts.reported.get(spec.name, {})
        rows.append([spec.title, s["epochs"], s["batch_size"], round(s["train_time_s"], 1), rep.get("time_s"),
                     s["final"]["train"][key], s["final"]["val"][key], s["final"]["test"][key], rep.get("loss")])
    n_train = data.get("n_train", 0)
    text = (f"Trained on {n_train:,} Fashion-MNIST training images ({data.get('n_val', 0):,} held out for validation, "
            f"seeded), tested on {data.get('n_test', 0):,} test images. Times are training time only (steps, "
            "not validation), measured on the machine under Environment; report 000's times were measured on a "
            "hosted notebook on all 60,000 images. Losses: AE = mean squared error per pixel; VAE = per-image "
            "binary cross-entropy summed over pixels + KL (nats); GAN = the generator's non-saturating loss.")
    table = Table(["model", "epochs", "batch", "train time (s)", "report 000 time (s)", "train loss", "val loss",
                   "test loss", "report 000 loss"], rows, "Every model: ours beside report 000")
    return Section("Overview: ours beside report 000", [Text(text), table])


def _model_sections(run: RunDir, config: StudyConfig, models: dict, opts: Options) -> list[Section]:
    sections = []
    for spec in config.models:
        s, name = models.get(spec.name), spec.name
        if not s:
            continue
        blocks = [Text(_describe(spec, s))]
        if "latent_zero_fraction" in s:
            z = s["latent_zero_fraction"]
            blocks.append(Text(f"Latent units exactly zero on test images: z₁ {z[0]:.1%}, z₂ {z[1]:.1%}; both zero "
                               f"{s['latent_all_zero_fraction']:.1%}. A ReLU on a 2-unit bottleneck can switch a unit "
                               "off for whole regions of the input (a 'dead' unit gets no gradient), which is how the "
                               "report's 2-D AE ended flat at 0.044; a linear latent with deeper layers avoids it.",
                               note=True))
        if "kl" in s["final"]["train"]:
            rep = opts.reported.get(name, {})
            f = s["final"]
            blocks.append(Table(["", "total", "reconstruction", "KL"],
                                [["ours, train (last epoch)", f["train"]["loss"], f["train"]["reconstruction"], f["train"]["kl"]],
                                 ["ours, test", f["test"]["loss"], f["test"]["reconstruction"], f["test"]["kl"]],
                                 ["report 000", rep.get("loss"), rep.get("reconstruction"), rep.get("kl")]],
                                "VAE loss per image, split into its parts"))
        for fig, caption in _figure_list(name, spec.title):
            if run.figure(fig).is_file():  # which figures exist depends on the model's capabilities
                blocks.append(Figure(f"figures/{fig}.png", caption))
        sections.append(Section(spec.title, blocks))
    return sections


def _describe(spec, s: dict) -> str:
    params = ", ".join(f"{k}={v}" for k, v in spec.params.items()) or "defaults"
    return (f"Registry model {spec.model} ({params}); {s['parameters']:,} parameters; {s['epochs']} epochs at batch "
            f"{s['batch_size']}, Adam lr {spec.train.lr}. Training took {s['train_time_s']:.1f} s "
            f"({s['images_per_s']:,.0f} images/s), {s['wall_time_s']:.1f} s with validation, on {s['device']}.")


def _figure_list(name: str, title: str) -> list[tuple[str, str]]:
    return [(f"recon_test_{name}", f"{title}: test reconstructions"),
            (f"recon_train_{name}", f"{title}: train reconstructions"),
            (f"latent_grid_{name}", f"{title}: latent grid"),
            (f"latent_scatter_{name}", f"{title}: test set in latent space, coloured by class"),
            (f"parts_{name}", f"{title}: reconstruction and KL per epoch"),
            (f"samples_{name}", f"{title}: samples from the prior"),
            (f"progress_{name}", f"{title}: a fixed noise batch at several epochs")]


def _loss_curves(run: RunDir, config: StudyConfig) -> None:
    curves, keys = {}, {}
    for spec in config.models:
        records = run.model(spec.name).read_metrics()
        curves[spec.title] = records
        keys[spec.title] = "loss" if "loss" in records[0]["train"] else "generator_loss"
    figs.save_loss_curves(run.figure("loss_curves"), curves, keys, "Train and validation loss per epoch")


def _curves_section(run: RunDir, config: StudyConfig) -> Section:
    return Section("Loss curves", [Figure("figures/loss_curves.png", "Train and validation loss per epoch, every model")])


STUDY = DenseStudy()

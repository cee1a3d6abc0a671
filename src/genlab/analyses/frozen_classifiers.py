"""Classifiers on frozen encoders (report 004, table 5), and probes of the features.

For every model that encodes, and for the raw pixels as the baseline: an MLP head trained
on the frozen features through the one trainer (RUN/classifiers/NAME/), a linear probe
and a k-NN vote. The encoders are only ever run in eval mode without gradients, so
neither their weights nor their normalisation statistics change.
"""
from __future__ import annotations

from genlab.analyses.base import Analysis, AnalysisContext, ReportView, figure_block
from genlab.engine import device as dev
from genlab.engine.trainer import TrainerOptions
from genlab.representation.classify import describe_optimizer, train_head
from genlab.representation.probes import encode_split, knn_probe, linear_probe
from genlab.figures import conv as cfigs
from genlab.methods.classifier import ClassifierHead, PixelEncoder
from genlab.report.page import Table, Text
from genlab.runs import ModelDir

RAW = "raw"  # the raw-pixel baseline's name among the classifiers (a study model may not take it)
RAW_TITLE = "raw pixels (baseline)"
CURVES_FIGURE = "classifier_curves"


def confusion_figure(name: str) -> str:
    return f"confusion_{name}"


def classifier_dir(ctx_run, name: str) -> ModelDir:
    return ModelDir(ctx_run.path / "classifiers" / name)


def trainer_options(ctx: AnalysisContext) -> TrainerOptions:
    """The run's device and --resume (when the study passes its runtime), else safe defaults."""
    runtime = getattr(ctx, "runtime", None)
    return TrainerOptions(device=getattr(runtime, "device", "auto"), resume=getattr(runtime, "resume", False),
                          progress=ctx.progress)


class FrozenClassifiers(Analysis):
    key = "frozen_classifiers"
    title = "Classifiers on frozen encoders (report 004, table 5) and probes"
    needs = frozenset({"encode"})

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        encoders = {**{n: (ctx.title(n), m) for n, m in models.items()}, RAW: (RAW_TITLE, PixelEncoder())}
        results = {name: self._one(ctx, name, title, encoder) for name, (title, encoder) in encoders.items()}
        cfigs.classifier_curves(ctx.run.figure(CURVES_FIGURE),
                                {r["title"]: classifier_dir(ctx.run, n).read_metrics() for n, r in results.items()},
                                "Frozen-encoder classifiers: loss and accuracy per epoch (the head only is trained)")
        return results

    @staticmethod
    def _one(ctx: AnalysisContext, name: str, title: str, encoder) -> dict:
        settings, seed = ctx.settings, ctx.config.seed
        feats = {split: encode_split(encoder, getattr(ctx.splits, split)) for split in ("train", "val", "test")}
        dim = int(feats["train"].x.shape[1])
        head_seed = dev.model_seed(seed, f"classifier_{name}")
        dev.seed_everything(head_seed)  # the head's initialisation
        head = ClassifierHead(dim, settings.head.hidden, len(ctx.splits.classes), settings.head.dropout)
        summary = train_head(head, feats, settings.head, classifier_dir(ctx.run, name), head_seed,
                             trainer_options(ctx), name=f"classifier {name}",
                             keep_checkpoints=getattr(ctx.runtime, "keep_checkpoints", False))
        what = "MLP head on the pixels" if name == RAW else "frozen encoder + MLP head"
        cfigs.confusion(ctx.run.figure(confusion_figure(name)), summary["test_metrics"]["confusion"],
                        f"{title}: {what}, test set")
        probe_train = feats["train"].head(settings.probe_train_size)
        return {"title": title, "feature_dim": dim, "head": summary,
                "linear_probe": {**linear_probe(probe_train, feats["test"], settings.probe_max_iter, seed),
                                 "max_iter": settings.probe_max_iter},
                "knn": knn_probe(probe_train, feats["test"], min(settings.knn_k, len(probe_train)))}

    def blocks(self, view: ReportView, results: dict) -> list:
        return self._head_blocks(view, results) + self._probe_blocks(results)

    @staticmethod
    def _head_blocks(view: ReportView, results: dict) -> list:
        head, reported = view.settings.head, view.settings.reported
        first = next(iter(results.values()))["head"]
        features = ", ".join(f"{r['title']} {r['feature_dim']}-d" for r in results.values())
        rows, macro = [], []
        for name, r in results.items():
            t, rep, h = r["head"]["test_metrics"], reported.get(name, {}), r["head"]
            rows.append([r["title"], *[100 * t[k] for k in ("accuracy", "precision_weighted", "recall_weighted",
                                                            "f1_weighted")],
                         *[rep.get(k) for k in ("accuracy", "precision", "recall", "f1")]])
            macro.append([r["title"], r["feature_dim"], 100 * t["precision_macro"], 100 * t["recall_macro"],
                          100 * t["f1_macro"], h["best"].get("epoch"), h["epochs"], h["parameters"], h["train_time_s"],
                          h["layers"]])
        text = (f"Each encoder is frozen (requires_grad off, held in eval mode) and a head (its layers are in the second "
                f"table) is trained with cross-entropy on the {first['n_train']:,} training labels: "
                f"{describe_optimizer(head)}, batch size {head.batch_size}, {head.epochs} epoch"
                f"{'s' * (head.epochs != 1)}. The epoch with the best accuracy on the {first['n_val']:,} validation "
                f"images is kept and scored once on the {first['n_test']:,} test images. Features (each model's "
                f"encode; the baseline's pixels go through the same kind of head): {features}. Precision, recall and "
                "F1 are weighted by class support, as the report's; macro averages are in the second table.")
        blocks = [Text(text),
                  Table(["encoder", "accuracy %", "precision %", "recall %", "F1 %", "report acc.", "report prec.",
                         "report rec.", "report F1"], rows, "Table 5 of report 004 beside ours (test set, weighted averages)"),
                  Table(["encoder", "feature dim", "macro precision %", "macro recall %", "macro F1 %", "best epoch",
                         "epochs", "trained parameters", "train time (s)", "head layers"], macro,
                        "Macro averages and training of the heads"),
                  figure_block(CURVES_FIGURE, "Loss and accuracy per epoch, train and validation")]
        blocks += [figure_block(confusion_figure(n), f"{r['title']}: confusion matrix (test set)") for n, r in results.items()]
        return blocks

    @staticmethod
    def _probe_blocks(results: dict) -> list:
        rows = [[r["title"], r["feature_dim"], 100 * r["linear_probe"]["accuracy"], r["linear_probe"]["iterations"],
                 r["linear_probe"].get("converged"), 100 * r["knn"]["accuracy"], 100 * r["head"]["test_metrics"]["accuracy"]]
                for r in results.values()]
        lp, knn = next(iter(results.values()))["linear_probe"], next(iter(results.values()))["knn"]
        blocks = [Text(f"Beyond the report: a linear probe (multinomial logistic regression on standardised features, "
                       f"scikit-learn, at most {lp['max_iter']} L-BFGS iterations) and a {knn['k']}-nearest-neighbour "
                       f"vote, both fitted on {lp['n_train']:,} training images and scored on {lp['n_test']:,} test "
                       "images, measure the frozen features themselves; the raw pixels are the baseline."),
                  Table(["features", "dim", "linear probe %", "L-BFGS iterations", "converged", "k-NN %", "MLP head %"],
                        rows, "Probe accuracy (test set)")]
        raw = results.get(RAW)
        if raw and len(results) > 1:
            base = raw["linear_probe"]["accuracy"]
            better = [r["title"] for n, r in results.items() if n != RAW and r["linear_probe"]["accuracy"] > base]
            worse = [r["title"] for n, r in results.items() if n != RAW and r["linear_probe"]["accuracy"] <= base]
            text = (f"By linear probe, {', '.join(better) or 'no encoder'} beat{'s' if len(better) == 1 else ''} "
                    f"the raw pixels ({100 * base:.2f}%).")
            if worse:
                text += (f" {', '.join(worse)} do{'es' if len(worse) == 1 else ''} NOT: "
                         "their features are less linearly separable than the pixels themselves.")
            blocks.append(Text(text, note=bool(worse)))
        return blocks

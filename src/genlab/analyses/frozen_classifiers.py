"""Classifiers on frozen encoders (report 004, table 5), and probes of the features.

For every model that encodes, and for the raw pixels as the baseline: an MLP head trained
on the frozen features through the one trainer (RUN/classifiers/NAME/), a linear probe
and a k-NN vote. The encoders are only ever run in eval mode without gradients, so
neither their weights nor their normalisation statistics change.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab.analyses.base import Analysis, AnalysisContext, AnalysisSettings, ReportView, class_names, figure_block
from genlab.report.conclude import accuracy_noise, accuracy_reason, best_sentence, leaders, one_seed
from genlab.engine import device as dev
from genlab.engine.trainer import TrainerOptions
from genlab.errors import GenlabError
from genlab.representation.classify import HeadConfig, describe_optimizer, train_head
from genlab.representation.probes import encode_split, knn_probe, linear_probe
from genlab.figures import representations as cfigs
from genlab.methods.classifier import ClassifierHead, PixelEncoder
from genlab.report.page import Conclusion, Table, Text
from genlab.runs import ModelDir

RAW = "raw"  # the raw-pixel baseline's name among the classifiers (a study model may not take it)
RAW_TITLE = "raw pixels (baseline)"
CURVES_FIGURE = "classifier_curves"
CONFUSION_FIGURE = "confusion_matrices"
METRICS = (("accuracy", "accuracy"), ("f1_weighted", "F1 (weighted)"))  # the heads' headline numbers


def classifier_dir(ctx_run, name: str) -> ModelDir:
    return ModelDir(ctx_run.path / "classifiers" / name)


def trainer_options(ctx: AnalysisContext) -> TrainerOptions:
    """The run's device and --resume (when the study passes its runtime), else safe defaults."""
    runtime = getattr(ctx, "runtime", None)
    return TrainerOptions(device=getattr(runtime, "device", "auto"), resume=getattr(runtime, "resume", False),
                          progress=ctx.progress)


@dataclass
class ClassifierSettings(AnalysisSettings):
    head: HeadConfig = field(default_factory=HeadConfig)
    probe_train_size: int | None = 20000  # training images for the linear / k-NN probes (None: all)
    knn_k: int = 5
    probe_max_iter: int = 300

    def __post_init__(self) -> None:
        where = "analysis.frozen_classifiers"
        if self.knn_k < 1:
            raise GenlabError(f"{where}.knn_k must be >= 1, got {self.knn_k}")
        if self.probe_train_size is not None and self.probe_train_size < max(10, self.knn_k):
            raise GenlabError(f"{where}.probe_train_size must be >= 10 and >= {where}.knn_k ({self.knn_k}), or null "
                              f"(all training images), got {self.probe_train_size}")
        if self.probe_max_iter < 1:
            raise GenlabError(f"{where}.probe_max_iter must be >= 1, got {self.probe_max_iter}")


class FrozenClassifiers(Analysis):
    key = "frozen_classifiers"
    title = "Classifiers on frozen encoders and probes"
    needs = frozenset({"encode"})
    labels = True
    Settings = ClassifierSettings

    def check(self, config, settings, facts) -> None:
        if any(spec.name == RAW for spec in config.models):
            raise GenlabError(f"model name {RAW!r} is taken by the raw-pixel baseline of the classifiers; "
                              "rename that model")
        if settings.enabled and config.data.val_size == 0:  # the head kept is the one of the best validation accuracy
            raise GenlabError(f"analysis.{self.key} keeps each head's epoch of best validation accuracy, so "
                              f"data.val_size=0 leaves it nothing to choose by; give data.val_size >= 1 or set "
                              f"analysis.{self.key}.enabled=false")

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        encoders = {**{n: (ctx.title(n), m) for n, m in models.items()}, RAW: (RAW_TITLE, PixelEncoder())}
        results = {name: self._one(ctx, name, title, encoder) for name, (title, encoder) in encoders.items()}
        cfigs.classifier_curves(ctx.run.figure(CURVES_FIGURE),
                                {r["title"]: classifier_dir(ctx.run, n).read_metrics() for n, r in results.items()},
                                "Frozen-encoder classifiers: loss and accuracy per epoch (the head only is trained)")
        cfigs.confusions(ctx.run.figure(CONFUSION_FIGURE),
                         {r["title"]: r["head"]["test_metrics"]["confusion"] for r in results.values()},
                         "Confusion matrices of the classifiers (test set)", class_names(ctx.splits.facts))
        return results

    @staticmethod
    def _one(ctx: AnalysisContext, name: str, title: str, encoder) -> dict:
        settings, seed = ctx.settings, ctx.config.seed
        feats = {split: encode_split(encoder, getattr(ctx.splits, split)) for split in ("train", "val", "test")}
        dim = int(feats["train"].x.shape[1])
        head_seed = dev.model_seed(seed, f"classifier_{name}")
        dev.seed_everything(head_seed)  # the head's initialisation
        head = ClassifierHead(dim, len(ctx.splits.classes), settings.head.hidden, settings.head.dropout)
        summary = train_head(head, feats, settings.head, classifier_dir(ctx.run, name), head_seed,
                             trainer_options(ctx), name=f"classifier {name}",
                             keep_checkpoints=getattr(ctx.runtime, "keep_checkpoints", False))
        probe_train = feats["train"].head(settings.probe_train_size)
        return {"title": title, "feature_dim": dim, "head": summary,
                "linear_probe": {**linear_probe(probe_train, feats["test"], settings.probe_max_iter, seed),
                                 "max_iter": settings.probe_max_iter},
                "knn": knn_probe(probe_train, feats["test"], min(settings.knn_k, len(probe_train)))}

    def blocks(self, view: ReportView, results: dict) -> list:
        return self._head_blocks(view, results) + self._probe_blocks(results) + [Conclusion(conclusion(view, results))]

    @staticmethod
    def _head_blocks(view: ReportView, results: dict) -> list:
        head, reported = view.settings.head, view.reported
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
                  Table(["encoder", "accuracy %", "precision %", "recall %", "F1 %", "reported acc.", "reported prec.",
                         "reported rec.", "reported F1"], rows,
                        f"Ours beside {view.source or 'the source report'} (test set, weighted averages)",
                        kinds=[None] + ["percent"] * 8),
                  Table(["encoder", "feature dim", "macro precision %", "macro recall %", "macro F1 %", "best epoch",
                         "epochs", "trained parameters", "train time (s)", "head layers"], macro,
                        "Macro averages and training of the heads",
                        kinds=[None, None, "percent", "percent", "percent", None, None, None, "seconds", None]),
                  figure_block(CURVES_FIGURE, "Loss and accuracy per epoch of every head: train solid, validation "
                                              "dashed"),
                  figure_block(CONFUSION_FIGURE, "Confusion matrices (test set): counts in the cells, colour = "
                                                 "fraction of the true class")]
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
                        rows, "Probe accuracy (test set)", kinds=[None, None, "percent", None, None, "percent", "percent"])]
        raw = results.get(RAW)
        if raw and len(results) > 1:
            base = raw["linear_probe"]["accuracy"]
            better = [r["title"] for n, r in results.items() if n != RAW and r["linear_probe"]["accuracy"] > base]
            worse = [r["title"] for n, r in results.items() if n != RAW and r["linear_probe"]["accuracy"] <= base]
            text = (f"By linear probe, {', '.join(better) or 'no encoder'} beat{'s' if len(better) == 1 else ''} "
                    f"the raw pixels ({100 * base:.2f} %).")
            if worse:
                text += (f" {', '.join(worse)} do{'es' if len(worse) == 1 else ''} NOT: "
                         "their features are less linearly separable than the pixels themselves.")
            blocks.append(Text(text, note=bool(worse)))
        return blocks


def conclusion(view: ReportView, results: dict) -> str:
    """Best head per metric (ties within test-set sampling noise), the best linear probe with
    any unconverged solver named, and what one seed cannot say."""
    n_test = next(iter(results.values()))["head"]["n_test"]
    out = []
    for key, label in METRICS:
        values = {r["title"]: 100 * r["head"]["test_metrics"][key] for r in results.values()}
        noise = accuracy_noise(list(values.values()), n_test)
        out.append(best_sentence(f"MLP-head {label}", values, "percent", False, noise, accuracy_reason(n_test)))
    probes = {r["title"]: 100 * r["linear_probe"]["accuracy"] for r in results.values()}
    probe_noise = accuracy_noise(list(probes.values()), n_test)
    out.append(best_sentence("linear-probe accuracy", probes, "percent", False, probe_noise, "the same test-set noise"))
    unconverged = [r["title"] for r in results.values() if r["linear_probe"].get("converged") is False]
    if unconverged:
        best = leaders(probes, "percent", False, probe_noise)
        resting = [t for t in unconverged if t in best]
        out.append(f"The L-BFGS solver did not converge for {', '.join(unconverged)} (see the probe table)"
                   + (f", so the linear-probe ranking of {', '.join(resting)} rests on an unfinished fit"
                      if resting else "") + ": raise analysis.frozen_classifiers.probe_max_iter before drawing a conclusion from it.")
    out.append(one_seed(view.config.study))
    return " ".join(out)

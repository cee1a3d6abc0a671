"""Models trained with a KL term to a prior (VAEs): the loss per image split into
reconstruction and KL, ours beside the source report's, and both parts per epoch. The
loss form is what the trained model says of itself, never written as a literal."""
from __future__ import annotations

from genlab.analyses.base import Analysis, AnalysisContext, ReportView, figure_block
from genlab.figures import latents as dfigs
from genlab.report.page import Table, Text

FIGURE = "parts_{name}"
PARTS = ("loss", "reconstruction", "kl")


class ReconstructionKL(Analysis):
    key = "reconstruction_kl"
    title = "VAE loss parts: reconstruction and KL"
    needs = frozenset({"variational"})

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        out = {}
        for name, method in models.items():
            records = ctx.run.model(name).read_metrics()
            dfigs.vae_parts(ctx.run.figure(FIGURE.format(name=name)), records,
                            f"{ctx.title(name)}: loss parts per image")
            final = ctx.summaries[name]["final"]
            out[name] = {"loss": method.loss_sentence(), "train": {k: final["train"].get(k) for k in PARTS},
                         "test": {k: final["test"].get(k) for k in PARTS}}
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        blocks: list = []
        for name, entry in results.items():
            title, rep = view.title(name), view.reported.get(name, {})
            blocks.append(Text(f"{title} minimises {entry['loss']}."))
            rows = [["ours, train (last epoch)", *[entry["train"][k] for k in PARTS]],
                    ["ours, test", *[entry["test"][k] for k in PARTS]]]
            if view.source and any(k in rep for k in PARTS):
                rows.append([view.source, *[rep.get(k) for k in PARTS]])
            blocks.append(Table(["", "total", "reconstruction", "KL"], rows, f"{title}: loss per image by part",
                                kinds=[None, "loss", "loss", "loss"]))
            blocks.append(figure_block(FIGURE.format(name=name), f"{title}: reconstruction and KL per epoch "
                                                                 "(train and validation)"))
        return blocks

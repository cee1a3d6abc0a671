"""Train and validation loss of every model per epoch, from each model's metrics.jsonl."""
from __future__ import annotations

from genlab.analyses.base import Analysis, AnalysisContext, ReportView, figure_block
from genlab.figures import common as figs

FIGURE = "loss_curves"


def main_loss(record: dict) -> str:
    """The loss the overview reports for a model: its only loss, a GAN's generator loss,
    else the first loss it logs."""
    for key in ("loss", "generator_loss"):
        if key in record["train"]:
            return key
    return next(iter(record["train"]))


class LossCurves(Analysis):
    key = "loss_curves"
    title = "Loss curves"
    needs = frozenset()  # every trained model has a metrics.jsonl

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        curves = {ctx.title(n): ctx.run.model(n).read_metrics() for n in models}
        keys = {title: main_loss(records[0]) for title, records in curves.items()}
        figs.save_loss_curves(ctx.run.figure(FIGURE), curves, keys, "Train and validation loss per epoch")
        return {"keys": keys}

    def blocks(self, view: ReportView, results: dict) -> list:
        named = ", ".join(f"{title}: {key}" for title, key in results.get("keys", {}).items())
        return [figure_block(FIGURE, f"Train and validation loss per epoch, one panel per model ({named})")]

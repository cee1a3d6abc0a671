"""Models whose loss has a KL part (VAEs): the loss per image split into reconstruction
and KL, ours beside the source report's, and both parts per epoch.

Which models qualify is read from their training records (a "kl" part), so the analysis
runs on every model and reports only those; the loss form is read from the trained
model itself (its `reconstruction` and `beta`), never written as a literal."""
from __future__ import annotations

from genlab.analyses.base import Analysis, AnalysisContext, ReportView, figure_block
from genlab.figures import dense as dfigs
from genlab.report.page import Table, Text

FIGURE = "parts_{name}"
RECONSTRUCTION_FORMS = {"bce": "binary cross-entropy", "mse": "squared error"}  # a VAE's `reconstruction`
PARTS = ("loss", "reconstruction", "kl")


def reconstruction_form(method) -> str:
    kind = getattr(method, "reconstruction", None)
    return RECONSTRUCTION_FORMS.get(kind, str(kind))


class DenseVAEParts(Analysis):
    key = "dense_vae_parts"
    title = "VAE loss parts: reconstruction and KL"
    needs = frozenset()  # chosen by their records (a "kl" part), which exist only after training

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        out = {}
        for name, method in models.items():
            records = ctx.run.model(name).read_metrics()
            if not records or "kl" not in records[0]["train"]:
                continue
            dfigs.vae_parts(ctx.run.figure(FIGURE.format(name=name)), records,
                            f"{ctx.title(name)}: loss parts per image")
            final = ctx.summaries[name]["final"]
            out[name] = {"reconstruction": reconstruction_form(method), "beta": float(getattr(method, "beta", 1.0)),
                         "latent_dim": getattr(method, "latent_dim", None),
                         "train": {k: final["train"].get(k) for k in PARTS},
                         "test": {k: final["test"].get(k) for k in PARTS}}
        return out

    def section(self, view: ReportView):
        entry = view.results(self.key)
        if entry and not entry.get("results") and not entry.get("skipped"):
            return None  # no model of this run has a KL part: nothing to say
        return super().section(view)

    def blocks(self, view: ReportView, results: dict) -> list:
        blocks: list = []
        for name, entry in results.items():
            title, rep = view.title(name), view.settings.reported.get(name, {})
            beta = "" if entry["beta"] == 1 else f"{entry['beta']:g}·"
            blocks.append(Text(f"{title} minimises, per image, the {entry['reconstruction']} summed over the pixels "
                               f"plus {beta}KL(q(z|x) ‖ N(0, I)) over its {entry['latent_dim']}-d latent, in nats."))
            rows = [["ours, train (last epoch)", *[entry["train"][k] for k in PARTS]],
                    ["ours, test", *[entry["test"][k] for k in PARTS]]]
            if any(k in rep for k in PARTS):
                rows.append(["report 000", *[rep.get(k) for k in PARTS]])
            blocks.append(Table(["", "total", "reconstruction", "KL"], rows, f"{title}: loss per image by part",
                                kinds=[None, "loss", "loss", "loss"]))
            blocks.append(figure_block(FIGURE.format(name=name), f"{title}: reconstruction and KL per epoch "
                                                                 "(train and validation)"))
        return blocks

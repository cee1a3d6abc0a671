"""Train and validation loss of every model per epoch, from each model's metrics.jsonl."""
from __future__ import annotations

from genlab.analyses.base import Analysis, AnalysisContext, ReportView, figure_block
from genlab.figures import common as figs
from genlab.report.page import Conclusion

STILL_FALLING = 0.01  # a validation loss that fell by more than 1 % over the last epoch is still learning

FIGURE = "loss_curves"


def main_loss(record: dict) -> str:
    """The loss the overview reports for a model: its only loss, a GAN's generator loss,
    else the first loss it logs."""
    for key in ("loss", "generator_loss"):
        if key in record["train"]:
            return key
    return next(iter(record["train"]))


def plotted_losses(record: dict) -> list[str]:
    """Every total a model logs (a GAN: discriminator and generator), else its main loss;
    the parts of a total (a VAE's reconstruction and KL) have their own section."""
    totals = [k for k in record["train"] if k == "loss" or k.endswith("_loss")]
    return totals or [main_loss(record)]


class LossCurves(Analysis):
    key = "loss_curves"
    title = "Loss curves"
    needs = frozenset()  # every trained model has a metrics.jsonl

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        curves = {ctx.title(n): ctx.run.model(n).read_metrics() for n in models}
        keys = {title: plotted_losses(records[0]) for title, records in curves.items()}
        figs.save_loss_curves(ctx.run.figure(FIGURE), curves, keys, "Train and validation loss per epoch")
        # a model with several totals (a GAN's two players) plays a game, not a descent: not judged
        last = {title: _last_change(records, keys[title][0]) for title, records in curves.items() if len(keys[title]) == 1}
        return {"keys": keys, "last_change": last}

    def blocks(self, view: ReportView, results: dict) -> list:
        named = ", ".join(f"{title}: {' and '.join(_as_list(keys))}" for title, keys in results.get("keys", {}).items())
        blocks: list = [figure_block(FIGURE, f"Train (solid) and validation (dashed) loss per epoch, one panel per "
                                             f"model ({named})")]
        games = any(len(_as_list(k)) > 1 for k in results.get("keys", {}).values())
        dead = _all_dead(view)
        changes = {t: c for t, c in results.get("last_change", {}).items() if t not in dead}
        text = _still_learning(changes, games)
        if dead:  # never "more epochs would help" beside a latent section that calls its units dead
            text += (f" Not judged here: {', '.join(dead)} — every latent unit is dead (see the 2-d latent section), "
                     "so more epochs cannot improve its codes; what still falls is the decoder's output bias.")
        return blocks + ([Conclusion(text.strip())] if text.strip() else [])


def _all_dead(view: ReportView) -> list[str]:
    """Titles of the models whose every latent unit the 2-d latent analysis measured dead."""
    found = view.results("latent_2d").get("results") or {}
    return [view.title(n) for n, e in found.items()
            if e.get("dead_units") and len(e["dead_units"]) == len(e.get("zero_share") or [])]


def _last_change(records: list[dict], key: str) -> float | None:
    """Relative change of the validation loss over the last epoch (None: fewer than two epochs)."""
    values = [r["val"].get(key) for r in records[-2:]]
    if len(values) < 2 or None in values or values[0] == 0:
        return None
    return (values[1] - values[0]) / abs(values[0])


def _still_learning(changes: dict, games: bool) -> str:
    """Which models' validation loss was still falling at the end: more epochs would likely help
    them, so their numbers elsewhere on the page are not those of a converged model."""
    falling = [t for t, c in changes.items() if c is not None and c < -STILL_FALLING]
    flat = [t for t, c in changes.items() if c is not None and c >= -STILL_FALLING]
    if not changes or not (falling or flat):
        return ""
    text = ""
    if falling:
        text += (f"Still learning at the last epoch (validation loss down by more than {STILL_FALLING:.0%} over it): "
                 f"{', '.join(falling)}; more epochs would likely improve their numbers on this page. ")
    if flat:
        text += f"Levelled off (or rising) at the last epoch: {', '.join(flat)}. "
    return text + ("" if not games else "Models with several losses (a GAN's two players) are not judged here: their losses say little "
                   "about sample quality; see FID.")


def _as_list(keys) -> list[str]:
    return [keys] if isinstance(keys, str) else list(keys)  # run folders written before both GAN losses were drawn

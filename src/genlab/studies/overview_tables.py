"""What every model study's overview says of its data and models, read from the run: the
data and its split, how each model was built and trained, and what it minimises (in the
model's own words)."""
from __future__ import annotations

from genlab.analyses.base import ReportView
from genlab.report.page import Table


def describe_training(cfg) -> str:
    """'adam, lr 0.001, betas (0.9, 0.999)' and whatever else of the TrainConfig applies."""
    text = f"{cfg.optimizer}, lr {cfg.lr:g}"
    if cfg.optimizer in ("adam", "adamw"):
        text += f", betas ({cfg.betas[0]:g}, {cfg.betas[1]:g})"
    elif cfg.momentum:
        text += f", momentum {cfg.momentum:g}"
    if cfg.weight_decay:
        text += f", weight decay {cfg.weight_decay:g}"
    if cfg.schedule != "constant":
        text += f", {cfg.schedule} schedule"
    if cfg.steps:
        text += ", " + ", ".join(f"{n} {name} steps per batch" for name, n in cfg.steps.items())
    return text


def device_text(summary: dict) -> str:
    """'cpu', or 'cpu (bfloat16)' for a model trained in mixed precision (train.precision)."""
    used = summary.get("precision", "float32")
    return summary["device"] + (f" ({used})" if used != "float32" else "")


def models_table(view: ReportView, specs: list) -> Table:
    """How each model was built and trained, from the run's config and summaries (every model study's overview)."""
    rows = []
    for spec in specs:
        s = view.summaries[spec.name]
        params = ", ".join(f"{k}={v}" for k, v in spec.params.items()) or "registry defaults"
        can = ", ".join(sorted(view.methods[spec.name].capabilities())) if view.methods is not None else ""
        rows.append([spec.title, f"{spec.model} ({params})", s["parameters"], describe_training(spec.train),
                     s["images_per_s"], device_text(s), can])
    return Table(["model", "registry model (params)", "parameters", "optimiser", "images/s", "device", "capabilities"],
                 rows, "How each model was built and trained, and what it can do (what the analyses ask of it)",
                 kinds=[None, None, None, None, "rate", None, None])


def data_sentence(view: ReportView) -> str:
    """'Trained on 55,000 Fashion-MNIST training images (5,000 held out …), tested on 10,000 test
    images' — with the data's shape, and a warning where its files are not the official release."""
    data = view.data
    c, h, w = data.get("shape") or ("?", "?", "?")
    classes = data.get("classes")
    kind = f"{len(classes)} classes" if classes else "no class labels"
    text = (f"Trained on {data.get('n_train', 0):,} {view.dataset} training images ({c}×{h}×{w}, {kind}; "
            f"{data.get('n_val', 0):,} held out for validation, seeded with {view.config.seed}), tested on "
            f"{data.get('n_test', 0):,} test images.")
    if data.get("note"):
        text += f" Note: {data['note']}."
    return text


def losses_sentence(view: ReportView, specs: list) -> str:
    """'Losses: AE-2 = mean squared error per pixel; …' — each model's own description."""
    return "Losses: " + "; ".join(f"{s.title} = {view.methods[s.name].loss_sentence()}" for s in specs) + "."

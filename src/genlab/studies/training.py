"""Train every model of a study through the one trainer, and read the trained models back."""
from __future__ import annotations

from genlab import registry
from genlab.engine import checkpoint
from genlab.engine.trainer import TrainData, TrainerOptions, fit
from genlab.studies.base import StudyContext


def trained_models(ctx: StudyContext) -> dict:
    """name → trained Method (eval mode), read back from the run folder."""
    return {spec.name: registry.load_trained(ctx.run.model(spec.name)) for spec in ctx.config.models}


def train_models(ctx: StudyContext, splits, callbacks_for=lambda spec: ()) -> dict[str, dict]:
    """Train every model of the study with the one engine, for the data's shape and classes;
    returns name → summary."""
    options = TrainerOptions(device=ctx.runtime.device, resume=ctx.runtime.resume, progress=ctx.runtime.progress)
    data = TrainData(splits.train, splits.val, splits.test)
    facts = splits.facts
    classes = len(facts.classes) if facts.classes else None
    summaries = {}
    for spec in ctx.config.models:
        summaries[spec.name] = fit(spec, data, ctx.run.model(spec.name), ctx.config.seed, options,
                                   tuple(callbacks_for(spec)), shape=facts.shape, classes=classes)
        if not getattr(ctx.runtime, "keep_checkpoints", False):  # final.pt holds the weights; epochs were for resuming
            checkpoint.remove_all(ctx.run.model(spec.name).checkpoints)
    return summaries

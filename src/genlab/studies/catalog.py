"""`genlab studies`: the shipped studies, read from their study files and the study objects —
what each runs, on what data, after which source report — and one study in full."""
from __future__ import annotations

from dataclasses import fields

from genlab import config as cfgmod
from genlab.report.sources import by_short
from genlab.studies import get_study


def _config(name: str):
    return cfgmod.load_study(name)


def listing() -> str:
    lines = []
    for name in cfgmod.shipped_studies():
        config = _config(name)
        study = get_study(config.study)
        source = by_short(getattr(study, "source", ""))
        models = ", ".join(m.title for m in config.models)
        lines += [f"{name:<6} {config.title or study.title}",
                  f"       {config.data.dataset}; {len(config.models)} models: {models}",
                  f"       source: {source.full() if source else 'none (genlab and the literature)'}"]
    return "\n".join(lines + ["", "`genlab studies NAME` shows one in full; `genlab run NAME --dry-run` shows its plan "
                                  "and an estimate of its time; `genlab run NAME --quick` runs it in minutes."])


def details(name: str) -> str:
    config = _config(name)
    study = get_study(config.study)
    path = cfgmod.locate_study(name)
    lines = [f"{name} — {config.title or study.title}", f"study file: {path}", f"data: {config.data.dataset}",
             "models:"]
    for spec in config.models:
        params = ", ".join(f"{k}={v}" for k, v in spec.params.items()) or "defaults"
        lines.append(f"  {spec.name:<14} {spec.title} — {spec.model}({params}), {spec.train.epochs} epochs at "
                     f"batch {spec.train.batch_size}")
    analyses = getattr(study, "analyses", ())
    if analyses:
        lines.append("analyses (analysis.KEY.SETTING in the study file; `genlab run … --set analysis.KEY.enabled=false` "
                     "turns one off):")
        settings = study.settings(config).analyses
        for analysis in analyses:
            own = settings[analysis.key]
            values = ", ".join(f"{f.name}={getattr(own, f.name)!r}" for f in fields(own) if f.name != "enabled")
            lines.append(f"  {analysis.key:<22} {analysis.title}" + (f" ({values})" if values else ""))
    if config.comparisons:
        lines.append("comparisons tested over seeds (`--seeds N`):")
        for c in config.comparisons:
            lines.append(f"  {c.label}: {c.a} vs {c.b} ({c.better} is better)"
                         + (f" — {c.claim_by}: {c.claim}" if c.claim else ""))
    quick = cfgmod.read_yaml(path).get("quick") or {}
    if quick:
        lines.append("--quick applies: " + ", ".join(f"{k}={v}" for k, v in quick.items()))
    return "\n".join(lines)

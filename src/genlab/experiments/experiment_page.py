"""An experiment's report.html, from its folder alone: what ran, the source report's
comparisons tested over seeds, the study's headline metrics as mean ± 95 % CI, for a sweep
each value against the first (paired by seed: experiments/setting_effects.py) and its
metrics against the varied value (with the floor the study puts under it, e.g. PCA's for a
latent size), and each trial's fate. What is particular to a study (its headline metrics,
its data's caveat, a sweep's floor) comes from the study."""
from __future__ import annotations

from pathlib import Path

from genlab import run_record, runs
from genlab.config import ComparisonSpec, from_dict
from genlab.experiments import setting_effects, sweep_figures
from genlab.experiments.plan import study_kind
from genlab.experiments.trials import TrialState, cells
from genlab.generation.shipped import metric_name, network_name
from genlab.report import findings, page, verdicts
from genlab.report.page import Figure, Link, Section, Table, Text
from genlab.report.stats import estimate, summarize
from genlab.studies import get_study


def write(exp, spec: dict, states: list[TrialState], floor: dict | None = None) -> Path:
    done = [s for s in states if s.record is not None]
    comparisons = _comparisons(done)
    study = get_study(study_kind(spec))
    sections = [_overview(spec, states, study)]
    groups = cells(states)
    for cell, members in groups.items():
        tested = verdicts.section(comparisons, [m.record for m in members])
        if tested:
            tested.title += f" — {cell}" if cell else ""
            sections.append(tested)
    headline = _headline(study, comparisons)
    sections.append(_metrics(groups, headline))
    effects = setting_effects.section(spec, states, headline, setting_effects.directions(comparisons))
    if effects:
        sections.append(effects)
    sweep = _sweep(exp, spec, groups, headline, floor)
    if sweep:
        sections.append(sweep)
    sections.append(_trials(states))
    title = (done[0].record.config.get("title") if done else "") or spec["study"]
    subtitle = f"experiment {exp.path.name} · {len(states)} trials · seeds from {spec['first_seed']}"
    facts = _facts(study, spec, done, comparisons, headline)
    findings.strip_repeated(sections, findings.caveats(facts))
    return page.write(exp.path, f"{title} — {spec['seeds']} seed{'s' * (spec['seeds'] != 1)}", sections, spec,
                      _environment(done), subtitle, banner=findings.banner(bool(spec.get("quick")), spec["study"]),
                      findings=findings.section(facts))


def _facts(study, spec: dict, done: list[TrialState], comparisons, headline) -> findings.PageFacts:
    """The findings of the experiment's first setting (a sweep's other values: its sections)."""
    groups = cells(done)
    first = next(iter(groups.values()), [])
    records = [m.record for m in first]
    caveat = study.caveat(records[0].config, records[0].metrics) if records else ""
    return findings.PageFacts(spec["study"], records, headline, comparisons, getattr(study, "source", ""),
                              bool(spec.get("quick")), [caveat] if caveat else [])


def _environment(done: list[TrialState]) -> dict:
    """The first finished trial's machine and libraries (every trial's own is in its folder)."""
    path = runs.RunDir(done[0].record.path).environment if done else None
    return runs.read_json(path) if path and path.is_file() else {}


def _comparisons(done: list[TrialState]) -> list[ComparisonSpec]:
    if not done:
        return []
    raw = done[0].record.config.get("comparisons") or []
    return [from_dict(ComparisonSpec, c, f"comparisons[{i}]") for i, c in enumerate(raw)]


def _headline(study, comparisons: list[ComparisonSpec]) -> list[tuple[str, str]]:
    """(metric, label): the study's headline metrics (where a model has them: a GAN has no test
    loss), then every metric a comparison uses."""
    out = dict(study.headlines)
    for c in comparisons:
        out.setdefault(c.metric, c.label)
    return list(out.items())


def _overview(spec: dict, states: list[TrialState], study) -> Section:
    counts = {k: sum(s.status == k for s in states) for k in ("done", "failed", "not run")}
    vary = "; ".join(f"{k} ∈ {{{', '.join(map(str, v))}}}" for k, v in (spec.get("vary") or {}).items())
    lines = [f"Study {spec['study']}{' (quick settings)' if spec.get('quick') else ''}, {spec['seeds']} seed(s) per "
             f"setting starting at {spec['first_seed']}" + (f", varying {vary}" if vary else "") +
             f"; executor {spec['executor']}.",
             f"Trials: {counts['done']} finished, {counts['failed']} failed, {counts['not run']} not run. Every "
             "number below says how many trials it rests on (n); one row per trial × model × metric is in "
             "results.csv, and each trial's own report is in trials/ID/report.html."]
    if spec.get("overrides"):
        lines.append("Settings changed from the study file: " + ", ".join(spec["overrides"]) + ".")
    lines += _feature_networks(states)
    blocks = [Text("\n\n".join(lines))]
    caveat = next((c for s in states if s.record is not None and (c := study.caveat(s.record.config, s.record.metrics))),
                  "")
    if caveat:
        blocks.append(Text(caveat, note=True))
    if counts["failed"] or counts["not run"]:
        blocks.append(Text(f"{counts['failed'] + counts['not run']} trial(s) did not finish; the numbers below rest "
                           "only on the finished ones (see the last section). `--resume` runs the rest.", note=True))
    return Section("Experiment", blocks)


def _feature_networks(states: list[TrialState]) -> list[str]:
    """The feature network(s) behind the trials' generation metrics: a FID means something only
    with the network that defines it (FID-fmnist-v1)."""
    names = dict.fromkeys(network_name(net) for s in states if s.record is not None
                          and (net := (s.record.metrics.get("generation") or {}).get("feature_net")))
    if not names:
        return []
    if len(names) == 1:
        (name,) = names
        return [f"Generation metrics are measured in the feature space of {name}: {metric_name('FID', name)}, "
                f"{metric_name('KID', name)}, …"]
    return [f"Generation metrics come from {len(names)} different feature networks ({', '.join(names)}): trials "
            "measured with different networks are not comparable; re-measure them with `genlab evaluate`."]


def _metrics(groups: dict[str, list[TrialState]], headline: list[tuple[str, str]]) -> Section:
    rows = []
    for cell, members in groups.items():
        records = [m.record for m in members]
        for metric, label in headline:
            for model in (records[0].models if records else []):
                values = run_record.values(records, metric, model)
                if values:
                    s = summarize(values)
                    rows.append([cell or None, records[0].title(model), label, s.n, estimate(s),
                                 min(values), max(values)])
    caption = "mean ± half-width of the 95 % confidence interval (Student's t) over seeds; a bare number is one trial"
    return Section("Metrics over seeds", [Table(["setting", "model", "metric", "n", "mean ± 95 % CI", "min", "max"],
                                                rows, caption)])


def _sweep(exp, spec: dict, groups: dict[str, list[TrialState]], headline: list[tuple[str, str]],
           floor: dict | None) -> Section | None:
    vary = spec.get("vary") or {}
    if len(vary) != 1:
        return None if not vary else Section("Sweep", [Text(
            "Several settings vary at once: the table above gives every cell of the grid; the figures against one "
            "varied value are drawn for one --vary only.", note=True)])
    key, values = next(iter(vary.items()))
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    blocks = []
    for i, (metric, label) in enumerate(headline):
        series = _series(groups, key, metric)
        if not series:
            continue
        path = exp.path / "figures" / f"sweep_{i}.png"
        floored = floor if floor and floor["metric"] == metric and floor["model"] in series else None
        sweep_figures.against_value(path, key, label, series, floored)
        caption = f"{label} against {key}: mean over seeds, band = 95 % CI (where n > 1)"
        blocks.append(Figure(str(path.relative_to(exp.path)), caption + (f"; dashed: {floored['caption']}"
                                                                          if floored else "")))
        if floored:
            blocks.append(Text(_against_floor(series[floored["model"]], floored, key)))
    return Section(f"Sweep over {key}", blocks) if blocks else None


def _against_floor(points: list, floor: dict, key: str) -> str:
    """Where the model's metric lies against the floor, per swept value, judged by its 95 % CI."""
    verdict = {"above": [], "within": [], "below": []}
    under = dict(zip(floor["x"], floor["y"]))
    for x, s in sorted(points, key=lambda p: p[0]):
        if x not in under:
            continue
        lo, hi = s.ci if s.ci else (s.mean, s.mean)
        side = "above" if lo > under[x] else "below" if hi < under[x] else "within"
        verdict[side].append(f"{x:g}")
    name = key.rsplit(".", 1)[-1]
    parts = []
    if verdict["above"]:
        parts.append(f"above {floor['name']} at {name} {', '.join(verdict['above'])} ({floor['above']})")
    if verdict["within"]:
        parts.append(f"not distinguishable from it at {', '.join(verdict['within'])}")
    if verdict["below"]:
        parts.append(f"below it at {', '.join(verdict['below'])} ({floor['below']})")
    basis = "its 95 % CI" if any(s.ci for _, s in points) else "one seed each, untested"
    return f"The model's {floor['quantity']} is {'; '.join(parts)} — judged by {basis}."


def _series(groups, key: str, metric: str) -> dict[str, list[tuple[float, object]]]:
    """model title → [(varied value, Summary)] for the cells that measured it."""
    out: dict[str, list] = {}
    for members in groups.values():
        if not members:
            continue
        x = members[0].vary[key]
        for model in members[0].record.models:
            values = run_record.values([m.record for m in members], metric, model)
            if values:
                out.setdefault(model, []).append((float(x), summarize(values)))
    return out


def _trials(states: list[TrialState]) -> Section:
    rows = [[Link(s.id, f"trials/{s.id}/report.html") if s.status == "done" else s.id, s.seed, s.cell or None,
             s.status, Link("report", f"trials/{s.id}/report.html") if s.status == "done" else (s.error or "—")]
            for s in states]
    return Section("Trials", [Table(["trial", "seed", "setting", "status", "report / error"], rows)])

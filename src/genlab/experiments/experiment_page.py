"""An experiment's report.html, from its folder alone: what ran, the source report's
comparisons tested over seeds, every headline metric as mean ± 95 % CI, for a sweep each
value against the first (paired by seed: experiments/setting_effects.py) and its metrics
against the varied value (with the PCA floor for a latent size), and each trial's fate."""
from __future__ import annotations

from pathlib import Path

from genlab.config import ComparisonSpec, from_dict
from genlab import run_record
from genlab.experiments import setting_effects, verdicts
from genlab.experiments.aggregate import TrialState, cells, latent_key, read_pca_floor
from genlab.experiments.stats import format_mean, summarize
from genlab.report import page
from genlab.report.page import Figure, Section, Table, Text

TEST_LOSS = ("summary:final.test.loss", "test loss (the model's own objective)")


def write(exp, spec: dict, states: list[TrialState]) -> Path:
    done = [s for s in states if s.record is not None]
    comparisons = _comparisons(done)
    sections = [_overview(spec, states)]
    groups = cells(states)
    for cell, members in groups.items():
        tested = verdicts.section(comparisons, [m.record for m in members])
        if tested:
            tested.title += f" — {cell}" if cell else ""
            sections.append(tested)
    headline = _headline(comparisons)
    sections.append(_metrics(groups, headline))
    effects = setting_effects.section(spec, states, headline, setting_effects.directions(comparisons))
    if effects:
        sections.append(effects)
    sweep = _sweep(exp, spec, groups, headline)
    if sweep:
        sections.append(sweep)
    sections.append(_trials(states))
    title = (done[0].record.config.get("title") if done else "") or spec["study"]
    subtitle = f"experiment {exp.path.name} · {len(states)} trials · seeds from {spec['first_seed']}"
    return page.write(exp.path, f"{title} — {spec['seeds']} seed{'s' * (spec['seeds'] != 1)}", sections, spec,
                      _environment(done), subtitle)


def _environment(done: list[TrialState]) -> dict:
    """The first finished trial's machine and libraries (every trial's own is in its folder)."""
    from genlab import runs

    path = runs.RunDir(done[0].record.path).environment if done else None
    return runs.read_json(path) if path and path.is_file() else {}


def _comparisons(done: list[TrialState]) -> list[ComparisonSpec]:
    if not done:
        return []
    raw = done[0].record.config.get("comparisons") or []
    return [from_dict(ComparisonSpec, c, f"comparisons[{i}]") for i, c in enumerate(raw)]


def _headline(comparisons: list[ComparisonSpec]) -> list[tuple[str, str]]:
    """(metric, label): the test loss, FID and mAP (where a model has them: a GAN has no test
    loss), then every metric a comparison uses."""
    out = {TEST_LOSS[0]: TEST_LOSS[1], **dict(run_record.HEADLINES[1:])}
    for c in comparisons:
        out.setdefault(c.metric, c.label)
    return list(out.items())


def _overview(spec: dict, states: list[TrialState]) -> Section:
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
    blocks = [Text("\n\n".join(lines))]
    caveat = _data_caveat([s.record for s in states if s.record is not None])
    if caveat:
        blocks.append(Text(caveat, note=True))
    if counts["failed"] or counts["not run"]:
        blocks.append(Text(f"{counts['failed'] + counts['not run']} trial(s) did not finish; the numbers below rest "
                           "only on the finished ones (see the last section). `--resume` runs the rest.", note=True))
    return Section("Experiment", blocks)


def _data_caveat(records: list) -> str:
    """The kitti study's 'synthetic scenes, not KITTI' caveat, as each trial's own page gives it."""
    from genlab.detect import kitti_prose
    from genlab.detect.options import SECTION

    data = next((r.metrics[SECTION]["data"] for r in records if (r.metrics.get(SECTION) or {}).get("data")), None)
    if not data or not data.get("synthetic"):
        return ""
    analysis = records[0].config.get("analysis") or {}
    return kitti_prose.synthetic_caveat(data, analysis.get("reported_source") if analysis.get("reported") else None)


def _metrics(groups: dict[str, list[TrialState]], headline: list[tuple[str, str]]) -> Section:
    rows = []
    for cell, members in groups.items():
        records = [m.record for m in members]
        for metric, label in headline:
            for model in (records[0].models if records else []):
                values = run_record.values(records, metric, model)
                if values:
                    s = summarize(values)
                    rows.append([cell or "—", records[0].title(model), label, s.n, format_mean(s),
                                 min(values), max(values)])
    caption = "mean ± half-width of the 95 % confidence interval (Student's t) over seeds; a bare number is one trial"
    return Section("Metrics over seeds", [Table(["setting", "model", "metric", "n", "mean ± 95 % CI", "min", "max"],
                                                rows, caption)])


def _sweep(exp, spec: dict, groups: dict[str, list[TrialState]], headline: list[tuple[str, str]]) -> Section | None:
    vary = spec.get("vary") or {}
    if len(vary) != 1:
        return None if not vary else Section("Sweep", [Text(
            "Several settings vary at once: the table above gives every cell of the grid; the figures against one "
            "varied value are drawn for one --vary only.", note=True)])
    key, values = next(iter(vary.items()))
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    from genlab.experiments import sweep_figures

    floor = read_pca_floor(exp)
    latent = latent_key(spec)
    blocks = []
    for i, (metric, label) in enumerate(headline):
        series = _series(groups, key, metric)
        if not series:
            continue
        path = exp.path / "figures" / f"sweep_{i}.png"
        floor_for = latent[1] if latent and floor and metric == TEST_LOSS[0] else None
        sweep_figures.against_value(path, key, label, series, floor if floor_for else None, floor_for)
        caption = f"{label} against {key}: mean over seeds, band = 95 % CI (where n > 1)"
        if floor_for:
            caption += (f"; dashed: the linear floor for {floor_for} — PCA's test MSE per pixel with that many "
                        f"components, fitted on the same {floor['n_train']:,} training images")
        blocks.append(Figure(str(path.relative_to(exp.path)), caption))
        if floor_for and floor_for in series:
            blocks.append(Text(_against_floor(series[floor_for], floor, key)))
    return Section(f"Sweep over {key}", blocks) if blocks else None


def _against_floor(points: list, floor: dict, key: str) -> str:
    """Where the model's test MSE lies against PCA's, per size, judged by its 95 % CI."""
    verdict = {"above": [], "within": [], "below": []}
    pca = dict(zip(floor["sizes"], floor["test_mse"]))
    for x, s in sorted(points, key=lambda p: p[0]):
        if int(x) not in pca:
            continue
        lo, hi = s.ci if s.ci else (s.mean, s.mean)
        side = "above" if lo > pca[int(x)] else "below" if hi < pca[int(x)] else "within"
        verdict[side].append(f"{int(x)}")
    name = key.rsplit(".", 1)[-1]
    parts = []
    if verdict["above"]:
        parts.append(f"above PCA's linear floor at {name} {', '.join(verdict['above'])} (a linear code of that size "
                     "reconstructs the test images better)")
    if verdict["within"]:
        parts.append(f"not distinguishable from the floor at {', '.join(verdict['within'])}")
    if verdict["below"]:
        parts.append(f"below the floor at {', '.join(verdict['below'])} (the nonlinearity pays off)")
    basis = "its 95 % CI" if any(s.ci for _, s in points) else "one seed each, untested"
    return f"The model's test MSE is {'; '.join(parts)} — judged by {basis}."


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
    rows = [[s.id, s.seed, s.cell or "—", s.status,
             f"trials/{s.id}/report.html" if s.status == "done" else (s.error or "—")] for s in states]
    return Section("Trials", [Table(["trial", "seed", "setting", "status", "report / error"], rows)])

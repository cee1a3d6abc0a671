"""Every generative model of a run ranked by FID, with its rank on KID, precision, recall and
IS beside the real-data floor, and what the ranking can and cannot conclude: the best model
among those whose samples are recognisable, the best GAN against the best model trained
without an adversary, and why a small setting cannot decide. Reads the numbers the
generation-quality analysis measured (metrics.json "generation")."""
from __future__ import annotations

from genlab.analyses.base import Analysis, AnalysisContext, ReportView
from genlab.analyses.generation_report import DEGENERATE_IS, GEN_METRICS, GenMetric
from genlab.generation.evaluate import SECTION
from genlab.generation.shipped import network_name
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Conclusion, Table, Text, quantity


class GenerationRanking(Analysis):
    key = "generation_ranking"
    title = "Ranking: every generative model"
    needs = frozenset({"generate"})
    labels = True  # it ranks the numbers of the feature network, a classifier

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        # the numbers are the generation-quality analysis's (metrics.json "generation"), read when the
        # report is built: this analysis may come first on the page whatever order the analyses run in
        return {"stored_in": SECTION}

    def blocks(self, view: ReportView, results: dict) -> list:
        result = view.metrics.get(SECTION)
        if not result or not result.get("models"):
            return [Text("The generation metrics of this run are missing from metrics.json; run "
                         f"`genlab evaluate {view.run.path}` to rank the models.", note=True)]
        specs = [s for s in view.config.models if s.name in view.summaries]
        return [_ranking_table(view, result), _ranking_conclusion(view, result, specs)]


def _ranks(models: dict) -> dict[str, dict[str, int]]:
    """metric → model → rank (1 = best) for every generation metric."""
    out = {}
    for m in GEN_METRICS:
        order = sorted(models, key=lambda n: models[n][m.key] if m.lower else -models[n][m.key])
        out[m.key] = {name: i + 1 for i, name in enumerate(order)}
    return out


def _cell(entry: dict, metric: GenMetric, rank: int | None) -> str:
    value = quantity(entry[metric.key] * metric.scale, metric.kind)
    return value if rank is None else f"{value} ({rank})"


def _ranking_table(view: ReportView, result: dict) -> Table:
    models, ranks = result["models"], _ranks(result["models"])
    floor = result["floor"]
    rows = [["—", "real-data floor", *[_cell(floor, m, None) for m in GEN_METRICS],
             floor["classes_missing"], None, None, None]]
    for name in sorted(models, key=lambda n: ranks["fid"][n]):
        entry, summary = models[name], view.summaries.get(name, {})
        rows.append([ranks["fid"][name], entry.get("title") or view.title(name),
                     *[_cell(entry, m, ranks[m.key][name]) for m in GEN_METRICS],
                     entry["classes_missing"], summary.get("epochs"), summary.get("train_time_s"),
                     entry.get("sample_s_per_1000")])
    share = result["options"]["missing_share"]
    return Table(["rank by FID", "model", *[m.header + " (rank)" for m in GEN_METRICS], f"classes < {share:.0%}",
                  "epochs", "train time (s)", "sampling (s per 1,000)"], rows,
                 f"Every model ranked by FID; in brackets its rank on each other metric ({result['n']:,} samples each "
                 f"against the {result['reference']}, in the feature space of {network_name(result['feature_net'])})",
                 kinds=[None] * (len(GEN_METRICS) + 4) + ["seconds", "seconds"])


def _ranking_conclusion(view: ReportView, result: dict, specs: list) -> Conclusion:
    """Best by FID among the models whose samples are recognisable, the best GAN against the
    best model trained without an adversary, and whether this setting can support either."""
    titled = {entry.get("title") or view.title(name): entry for name, entry in result["models"].items()}
    usable = {t: e for t, e in titled.items() if e["is"] >= DEGENERATE_IS}
    out = [_too_small(view, result, specs, sorted(set(titled) - set(usable)))]
    if usable:
        out.append(best_sentence("FID", {t: e["fid"] for t, e in usable.items()}, "fid", True))
    adversarial = {entry.get("title") or view.title(name) for name, entry in result["models"].items()
                   if _adversarial(view, name)}
    gans = {t: e for t, e in usable.items() if t in adversarial}
    rest = {t: e for t, e in usable.items() if t not in adversarial}
    if gans and rest:
        (g_title, g), (r_title, r) = (min(group.items(), key=lambda item: item[1]["fid"]) for group in (gans, rest))
        verdict = "lower (better) than" if g["fid"] < r["fid"] else "not lower than"
        out.append(f"The best GAN by FID, {g_title}, reaches FID {quantity(g['fid'], 'fid')} with precision "
                   f"{quantity(g['precision'], 'score')} and recall {quantity(g['recall'], 'score')}: an FID {verdict} "
                   f"that of the best model trained without an adversary, {r_title} (FID {quantity(r['fid'], 'fid')}, "
                   f"precision {quantity(r['precision'], 'score')}, recall {quantity(r['recall'], 'score')}).")
    out.append(one_seed(view.config.study))
    return Conclusion(" ".join(s for s in out if s))


def _adversarial(view: ReportView, name: str) -> bool:
    """Whether the model trains against an adversary, as it says of itself."""
    method = view.methods[name] if view.methods is not None else None
    return method is not None and method.traits().get("objective") == "adversarial"


def _too_small(view: ReportView, result: dict, specs: list, degenerate: list[str]) -> str:
    """Why this run cannot rank generators: a training subset, fewer samples than the test
    set, or models whose samples are not recognisable (left out of the ranking)."""
    data, reasons = view.config.data, []
    test_size = result.get("test_size")
    if data.train_subset is not None:
        reasons.append(f"each model saw {view.data.get('n_train', 0):,} training images (a subset) for at most "
                       f"{max(s.train.epochs for s in specs)} epochs")
    if test_size and result["n"] < test_size:
        reasons.append(f"the metrics use {result['n']:,} samples per model, not {test_size:,}, so FID is biased "
                       f"upward (the real-data floor itself measures {quantity(result['floor']['fid'], 'fid')})")
    if degenerate:
        reasons.append(f"{', '.join(degenerate)} reach an Inception Score below {DEGENERATE_IS:g} (samples not yet "
                       "recognisable) and are left out of what follows")
    if not reasons:
        return ""
    return ("This setting is too small to conclude which model generates best: " + "; ".join(reasons)
            + ". The ranking describes this run only; run the study at its full settings for a conclusion.")

"""The blocks of the generation-quality section, built only from files in the run folder
(metrics.json["generation"], figures/quality_*.png): shared by the generation-quality and
ranking analyses."""
from __future__ import annotations

from dataclasses import dataclass

from genlab.analyses.base import figure_block
from genlab.analyses.generation_sanity import DEGENERATE_IS, sanity_notes
from genlab.generation.evaluate import SECTION
from genlab.generation.figures import EPOCH_FIGURE, FLOOR_NAME, HIST_FIGURE, SAMPLES_FIGURE
from genlab.generation.scores import beyond_sampling_noise
from genlab.generation.shipped import metric_name, network_name
from genlab.report.page import Estimate, Figure, Section, Table, Text
from genlab.runs import RunDir

TITLE = "Generation quality: FID, KID, precision/recall, IS"


@dataclass(frozen=True)
class GenMetric:
    """One generation metric as every table and conclusion shows it."""

    key: str  # in metrics.json["generation"]["models"][NAME]
    header: str  # a table's column, with the better direction
    label: str  # in a sentence
    kind: str  # report.page.QUANTITIES
    lower: bool  # lower is better
    scale: float = 1.0  # shown × scale (KID in thousandths)


GEN_METRICS = (GenMetric("fid", "FID ↓", "FID", "fid", True), GenMetric("kid", "KID ×10³ ↓", "KID (×10⁻³)", "ratio", True, 1e3),
               GenMetric("precision", "precision ↑", "precision", "score", False),
               GenMetric("recall", "recall ↑", "recall", "score", False),
               GenMetric("is", "IS ↑", "Inception Score", "ratio", False))
HEADER = ["set", "sampler", *[m.header for m in GEN_METRICS], "classes < 1%"]
SAMPLING_NOTE = ("± 1.96 sampling standard errors: how much each number moves with which samples were drawn (random "
                 "halves of the generated set), not with the training seed")


def quality_sections(run: RunDir) -> list[Section]:
    """The section from metrics.json["generation"] (what `genlab evaluate` writes)."""
    result = run.read_metrics().get(SECTION)
    if not result:
        return [Section(TITLE, [Text(f"Not measured yet: run `genlab evaluate {run.path}` to add FID, KID, "
                                     "precision/recall and the class histogram of every generator.", note=True)])]
    return [Section(TITLE, quality_blocks(run, result))]


def quality_blocks(run: RunDir, result: dict) -> list:
    """Intro, table, number-decided verdicts and figures of one evaluate result."""
    blocks = [_intro(result), _table(result), *[Text(note, note=True) for note in sanity_notes(result)],
              *_verdicts(result), *_figures(run, result)]
    if result.get("inception"):
        blocks.append(_inception_table(result))
    return blocks


def network_sentence(result: dict) -> str:
    """Which feature network every number of the section was measured with, and what that allows."""
    net, title = result["feature_net"], result["data"]["title"]
    name = network_name(net)
    if net.get("shipped"):
        origin = (f"{name}, the classifier of {title} shipped with genlab (the same weights on every machine, "
                  f"test accuracy {net['test_accuracy']:.2%}, weights sha256 {net['sha256'][:16]}…)")
        reach = f"comparable with any genlab run whose numbers name {name}"
    else:
        origin = (f"{name}, a classifier of {title} that genlab trained on this machine (test accuracy "
                  f"{net['test_accuracy']:.2%}, weights sha256 {net['sha256'][:16]}…)")
        reach = ("comparable only with runs measured with this same network: another machine trains another one, "
                 "in another feature space")
    return (f"Features are the {net['feature_dim']}-d penultimate layer of {origin}; the Inception Score and the "
            f"class histogram use its softmax. The numbers are therefore {metric_name('FID', name)}, "
            f"{metric_name('KID', name)}, … : {reach}, not with published Inception-FID values.")


def _intro(result: dict) -> Text:
    return Text(
        f"Every generator draws {result['n']:,} samples (seed {result['seed']}), measured against the "
        f"{result['reference']}. {network_sentence(result)}\n\n"
        "FID: Fréchet distance between Gaussians fitted to the features (lower is better). KID: unbiased "
        "polynomial-kernel MMD² (lower; can dip below 0 by chance), mean ± std over random subsets. Precision "
        f"and recall (Kynkäänniemi et al. 2019, k={result['options']['k']}): share of samples on the real-image "
        "manifold (quality) and share of real images on the sample manifold (coverage). The first row, the "
        "real-data floor, measures held-out real training images the same way: no generator can beat it.")


def sampled(entry: dict, metric: GenMetric) -> Estimate:
    """A metric of one set with its sampling error (where the run measured one), scaled as shown."""
    se = entry.get(f"{metric.key}_se")
    return Estimate.sampled(entry[metric.key] * metric.scale, None if se is None else se * metric.scale)


def _row(name: str, entry: dict) -> list:
    return [name, entry["sampler"], *[sampled(entry, m) for m in GEN_METRICS], entry["classes_missing"]]


def _table(result: dict) -> Table:
    rows = [_row("real-data floor", result["floor"])]
    rows += [_row(entry.get("title") or name, entry) for name, entry in result["models"].items()]
    name = network_name(result["feature_net"])
    return Table(HEADER, rows, caption=f"Generation metrics in the feature space of {name} ({metric_name('FID', name)}, "
                                       f"…), {result['n']:,} samples each, against the test set; {SAMPLING_NOTE}")


def _verdicts(result: dict) -> list[Text]:
    """GAN prior comparison decided by numbers, and the floor ratio check."""
    floor = result["floor"]["fid"]
    gans: dict[str, list] = {}
    for name, entry in result["models"].items():
        if entry.get("prior"):
            gans.setdefault(entry["prior"], []).append((entry.get("title") or name, entry))
    out = []
    # one GAN per prior: otherwise which pair to compare is not the prior's doing alone
    if len(gans.get("normal", ())) == 1 and len(gans.get("uniform", ())) == 1:
        out.append(Text(_prior_verdict(gans["normal"][0], gans["uniform"][0], floor)))
    for name, entry in result["models"].items():
        if entry.get("prior") and floor >= entry["fid"] / 10:
            out.append(Text(f"{entry.get('title') or name}: the real-data floor FID ({floor:.3g}) is not below a tenth of the generator's "
                            f"({entry['fid']:.3g}), so this feature network separates real images from this "
                            "generator's samples only weakly; read the differences with care.", note=True))
    return out


def within_sampling_noise(a: dict, b: dict, key: str) -> bool:
    """Whether two sets' `key` differ by no more than their sampling noise (1.96 combined standard
    errors); runs measured before the errors were, by twice the larger KID subset std."""
    beyond = beyond_sampling_noise(a[key], a.get(f"{key}_se"), b[key], b.get(f"{key}_se"))
    if beyond is None and key == "kid":
        return abs(a["kid"] - b["kid"]) <= 2 * max(a["kid_std"], b["kid_std"])
    return beyond is False


def _prior_verdict(normal: tuple[str, dict], uniform: tuple[str, dict], floor: float) -> str:
    (n_name, n), (u_name, u) = normal, uniform
    if min(n["is"], u["is"]) < DEGENERATE_IS:  # noise against noise: any order between them is chance
        return (f"GAN prior: no conclusion. Inception Score {n['is']:.2f} ({n_name}) and {u['is']:.2f} ({u_name}): "
                f"below {DEGENERATE_IS:g}, samples are not yet recognisable images, so this setting is too small to "
                "compare the priors.")
    wins = {key: _better(n[key], u[key], lower)
            for key, lower in (("fid", True), ("kid", True), ("precision", False), ("recall", False))}
    gap = abs(n["kid"] - u["kid"]) * 1e3
    if within_sampling_noise(n, u, "kid"):
        kid = f"KID cannot separate them: its gap ({gap:.2f}×10⁻³) is within sampling noise"
    else:
        kid = f"KID favours {wins['kid']} (gap {gap:.2f}×10⁻³, larger than sampling noise alone)"
    noisy = [key.upper() if key == "fid" else key for key in ("fid", "precision", "recall")
             if within_sampling_noise(n, u, key)]
    note = (f" Within sampling noise alone: {', '.join(noisy)}." if noisy else "")
    return (f"GAN prior, decided by numbers: by FID the better prior is {wins['fid']} "
            f"({n_name} {n['fid']:.3g} vs {u_name} {u['fid']:.3g}, real-data floor {floor:.3g}). {kid}; "
            f"precision favours {wins['precision']} ({n['precision']:.3f} vs {u['precision']:.3f}), recall favours "
            f"{wins['recall']} ({n['recall']:.3f} vs {u['recall']:.3f}).{note} Differences beyond sampling noise are "
            "still untested across seeds.")


def _better(normal: float, uniform: float, lower_is_better: bool) -> str:
    if abs(normal - uniform) < 5e-4:  # equal at the precision the table shows
        return "neither (tie)"
    return "normal" if (normal < uniform) == lower_is_better else "uniform"


def _figures(run: RunDir, result: dict) -> list[Figure]:
    figs = [figure_block(HIST_FIGURE, "Class histogram of the samples, one row per set: a cell near 0 % (dark) "
                                      "is a class that set (nearly) never produces — mode collapse.")]
    if (run.figure(EPOCH_FIGURE)).is_file():
        figs.append(figure_block(EPOCH_FIGURE, "FID per epoch on a small sample (dashed: the real "
                           "floor at the same sample size): where the curve flattens, more epochs stopped helping."))
    figs.append(figure_block(SAMPLES_FIGURE.format(name=FLOOR_NAME), "Real held-out training images (the floor set)."))
    for name, entry in result["models"].items():
        figs.append(figure_block(SAMPLES_FIGURE.format(name=name),
                           f"{entry.get('title') or name}: samples — {entry['sampler']}."))
    return figs


def _inception_table(result: dict) -> Table:
    inc = result["inception"]
    rows = [[name if name != "floor" else "real-data floor", value] for name, value in inc["fid"].items()]
    return Table(["set", "Inception-FID (standard InceptionV3 features)"], rows,
                 caption=f"Inception-FID on {inc['n']:,} images each (weights {inc['weights']}); comparable to "
                         "published FIDs only in feature space, not in image domain")


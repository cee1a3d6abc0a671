"""The generation-quality report section, built only from files in the run folder
(metrics.json["generation"], figures/quality_*.png)."""
from __future__ import annotations

from genlab.quality.evaluate import SECTION
from genlab.quality.figures import EPOCH_FIGURE, HIST_FIGURE
from genlab.report.page import Figure, Section, Table, Text
from genlab.runs import RunDir

TITLE = "Generation quality: FID, KID, precision/recall, IS"
HEADER = ["set", "sampler", "FID ↓", "KID ×10³ ↓", "precision ↑", "recall ↑", "IS ↑", "classes < 1%"]


def quality_sections(run: RunDir) -> list[Section]:
    result = run.read_metrics().get(SECTION)
    if not result:
        return [Section(TITLE, [Text(f"Not measured yet: run `genlab evaluate {run.path}` to add FID, KID, "
                                     "precision/recall and the class histogram of every generator.", note=True)])]
    blocks = [_intro(result), _table(result), *_verdicts(result), *_figures(run, result)]
    if result.get("inception"):
        blocks.append(_inception_table(result))
    return [Section(TITLE, blocks)]


def _intro(result: dict) -> Text:
    net = result["feature_net"]
    return Text(
        f"Every generator draws {result['n']:,} samples (seed {result['seed']}), measured against the "
        f"{result['reference']}. Features are the {net['feature_dim']}-d penultimate layer of a Fashion-MNIST "
        f"classifier genlab trained itself (test accuracy {net['test_accuracy']:.2%}, weights sha256 "
        f"{net['sha256'][:16]}…); the Inception Score and the class histogram use its softmax. These numbers "
        "work offline and are comparable between runs with the same feature network, but not with published "
        "Inception-FID values.\n\n"
        "FID: Fréchet distance between Gaussians fitted to the features (lower is better). KID: unbiased "
        "polynomial-kernel MMD² (lower; can dip below 0 by chance), mean ± std over random subsets. Precision "
        f"and recall (Kynkäänniemi et al. 2019, k={result['options']['k']}): share of samples on the real-image "
        "manifold (quality) and share of real images on the sample manifold (coverage). The first row, the "
        "real-data floor, measures held-out real training images the same way: no generator can beat it.")


def _row(name: str, entry: dict) -> list:
    kid = f"{entry['kid'] * 1e3:.2f} ± {entry['kid_std'] * 1e3:.2f}"
    return [name, entry["sampler"], entry["fid"], kid, entry["precision"], entry["recall"],
            f"{entry['is']:.2f} ± {entry['is_std']:.2f}", entry["classes_missing"]]


def _table(result: dict) -> Table:
    rows = [_row("real-data floor", result["floor"])]
    rows += [_row(entry.get("title") or name, entry) for name, entry in result["models"].items()]
    return Table(HEADER, rows, caption=f"Generation metrics, {result['n']:,} samples each, against the test set")


def _verdicts(result: dict) -> list[Text]:
    """GAN prior comparison decided by numbers, and the floor ratio check."""
    floor = result["floor"]["fid"]
    gans = {e["prior"]: (name, e) for name, e in result["models"].items() if e.get("prior")}
    out = []
    if {"normal", "uniform"} <= gans.keys():
        out.append(Text(_prior_verdict(gans["normal"], gans["uniform"], floor)))
    for name, entry in result["models"].items():
        if entry.get("prior") and floor >= entry["fid"] / 10:
            out.append(Text(f"{name}: the real-data floor FID ({floor:.3g}) is not below a tenth of the generator's "
                            f"({entry['fid']:.3g}), so this feature network separates real images from this "
                            "generator's samples only weakly; read the differences with care.", note=True))
    return out


def _prior_verdict(normal: tuple[str, dict], uniform: tuple[str, dict], floor: float) -> str:
    (n_name, n), (u_name, u) = normal, uniform
    wins = {key: _better(n[key], u[key], lower)
            for key, lower in (("fid", True), ("kid", True), ("precision", False), ("recall", False))}
    by_fid = wins["fid"]
    kid_gap = abs(n["kid"] - u["kid"])
    kid_noise = 2 * max(n["kid_std"], u["kid_std"])
    return (f"GAN prior, decided by numbers: the {by_fid} prior is better by FID "
            f"({n_name} {n['fid']:.3g} vs {u_name} {u['fid']:.3g}, real-data floor {floor:.3g}). "
            f"KID favours {wins['kid']} (gap {kid_gap * 1e3:.2f}×10⁻³, "
            f"{'larger' if kid_gap > kid_noise else 'smaller'} than twice the subset std); precision favours "
            f"{wins['precision']} ({n['precision']:.3f} vs {u['precision']:.3f}), recall favours "
            f"{wins['recall']} ({n['recall']:.3f} vs {u['recall']:.3f}). Report 000 judged the uniform prior "
            f"worse by eye; here the numbers say the {by_fid} prior is "
            f"better, {'agreeing' if by_fid == 'normal' else 'disagreeing'} with the report.")


def _better(normal: float, uniform: float, lower_is_better: bool) -> str:
    if abs(normal - uniform) < 5e-4:  # equal at the precision the table shows
        return "neither (tie)"
    return "normal" if (normal < uniform) == lower_is_better else "uniform"


def _figures(run: RunDir, result: dict) -> list[Figure]:
    figs = [Figure(f"figures/{HIST_FIGURE}.png", "Class histogram of the samples: a pale column is a class "
                   "the generator (nearly) never produces — mode collapse.")]
    if (run.figure(EPOCH_FIGURE)).is_file():
        figs.append(Figure(f"figures/{EPOCH_FIGURE}.png", "FID per epoch on a small sample (dashed: the real "
                           "floor at the same sample size): where the curve flattens, more epochs stopped helping."))
    figs.append(Figure("figures/quality_samples_floor.png", "Real held-out training images (the floor set)."))
    for name, entry in result["models"].items():
        figs.append(Figure(f"figures/quality_samples_{name}.png",
                           f"{entry.get('title') or name}: samples from the {entry['sampler']}."))
    return figs


def _inception_table(result: dict) -> Table:
    inc = result["inception"]
    rows = [[name if name != "floor" else "real-data floor", value] for name, value in inc["fid"].items()]
    return Table(["set", "Inception-FID (standard InceptionV3 features)"], rows,
                 caption=f"Inception-FID on {inc['n']:,} images each (weights {inc['weights']}); comparable to "
                         "published FIDs only in feature space, not in image domain")


"""Conclusions are computed from the numbers: the best model per metric, ties called ties
(equal as shown, or within test-set noise for accuracies), unconverged solvers flagged, degenerate
generators left out, recall ≈ 0 explained, one seed pointed to --seeds; one format per quantity."""
from __future__ import annotations

from types import SimpleNamespace

from genlab.analyses import frozen_classifiers, generation_quality, sampling_cost
from genlab.analyses.loss_curves import _still_learning
from genlab.report.conclude import accuracy_noise, best_sentence, leaders
from genlab.report.page import Table, cells, quantity


def view(study: str = "conv"):
    return SimpleNamespace(config=SimpleNamespace(study=study))


def test_a_clear_winner_is_named_with_the_runner_up():
    text = best_sentence("test MSE", {"AE": 0.0202, "VAE": 0.0261}, "loss", lower_is_better=True)
    assert text == "Lowest test MSE: AE (0.0202), ahead of VAE (0.0261)."


def test_accuracies_within_test_set_noise_are_a_tie():
    values = {"AE": 84.95, "raw pixels": 84.80, "VAE": 80.0}
    noise = accuracy_noise(list(values.values()), 10_000)
    assert 0.9 < noise < 1.2  # twice the s.e. of a difference of two ~83 % accuracies on 10,000 images
    assert leaders(values, "percent", False, noise) == ["AE", "raw pixels"]
    text = best_sentence("accuracy", values, "percent", False, noise, "test-set noise")
    assert text.startswith("Highest accuracy: a tie between AE (84.95 %) and raw pixels (84.80 %)")
    assert "VAE" not in text


def test_the_same_accuracies_on_few_test_images_are_a_tie_and_on_many_are_not():
    values = {"AE": 90.0, "DAE": 88.0}
    assert len(leaders(values, "percent", False, accuracy_noise(list(values.values()), 1_000))) == 2
    assert leaders(values, "percent", False, accuracy_noise(list(values.values()), 100_000)) == ["AE"]


def test_values_equal_as_shown_are_a_tie():
    text = best_sentence("mAP@0.5", {"scratch": 0.3331, "transfer": 0.3334}, "score", False)
    assert "a tie between" in text and "equal at the precision shown" in text


def test_one_rule_per_quantity_in_tables_and_sentences():
    table = Table(["model", "accuracy %", "time (s)", "loss"], [["AE", 84.9549, 1, 0.0202345]],
                  kinds=[None, "percent", "seconds", "loss"])
    assert cells(table, table.rows[0]) == ["AE", "84.95", "1.0", "0.02023"]
    assert quantity(84.9, "percent") == "84.90" and quantity(None, "percent") == "—"


def head(accuracy: float, converged: bool) -> dict:
    return {"title": None, "head": {"n_test": 10_000, "test_metrics": {"accuracy": accuracy, "f1_weighted": accuracy}},
            "linear_probe": {"accuracy": accuracy, "converged": converged}}


def test_classifier_conclusion_flags_a_ranking_resting_on_an_unconverged_probe():
    results = {"ae": {**head(0.8495, False), "title": "AE"}, "raw": {**head(0.8480, True), "title": "raw pixels"},
               "vae": {**head(0.80, True), "title": "VAE"}}
    text = frozen_classifiers.conclusion(view(), results)
    assert "a tie between AE (84.95 %) and raw pixels (84.80 %)" in text
    assert "did not converge for AE" in text and "rests on an unfinished fit" in text
    assert "--seeds 3" in text and "genlab run conv" in text
    converged = {n: {**r, "linear_probe": {**r["linear_probe"], "converged": True}} for n, r in results.items()}
    assert "converge" not in frozen_classifiers.conclusion(view(), converged)


def generator(fid: float, recall: float, inception: float, title: str) -> dict:
    return {"title": title, "fid": fid, "kid": fid / 1e3, "kid_std": 1e-4, "precision": 0.5, "recall": recall,
            "is": inception}


def test_generation_conclusion_ranks_usable_generators_and_explains_recall():
    result = {"floor": {"recall": 0.85}, "models": {
        "vae": generator(10.9, 0.01, 3.0, "VAE-64"), "gan": generator(20.8, 0.0, 2.3, "GAN-64"),
        "noise": generator(85.0, 0.0, 1.02, "GAN-64, uniform prior")}}
    text = generation_quality.conclusion(view("dense"), result)
    assert "Lowest FID: VAE-64 (10.90), ahead of GAN-64 (20.80)." in text
    assert "GAN-64, uniform prior: Inception Score below 1.5" in text and "too small to conclude" in text
    assert "Recall is at most 0.010 for every generator while the real-data floor reaches 0.850" in text
    result["models"]["vae"]["recall"] = 0.5  # one generator covers the manifold: nothing to explain
    assert "Recall is at most" not in generation_quality.conclusion(view("dense"), result)


def test_loss_curves_say_which_models_were_still_learning():
    text = _still_learning({"AE": -0.05, "VAE": -0.001}, games=False)
    assert "Still learning" in text and "AE" in text.split("Levelled")[0]
    assert "Levelled off (or rising) at the last epoch: VAE." in text
    assert "GAN" not in text and "GAN" in _still_learning({"AE": -0.05}, games=True)


def test_a_generation_tie_uses_the_two_leaders_sampling_errors_not_the_noisiest_model():
    """Two leaders 8.67 ± 0.15 and 4.78 ± 0.09 (standard errors) are far apart even though a
    third model far behind them is noisy (± 5): the tie threshold is the leaders' own
    1.96·√(0.15² + 0.09²) = 0.34, not 1.96·√2·5."""
    models = {"flow": {**generator(8.67, 0.38, 2.9, "Flow"), "fid_se": 0.15},
              "cond": {**generator(4.78, 0.28, 5.3, "Guided flow"), "fid_se": 0.09},
              "gan": {**generator(44.7, 0.0, 1.8, "GAN"), "fid_se": 5.0}}
    text = generation_quality.conclusion(view("gen"), {"floor": {"recall": 0.85}, "models": models})
    assert "Lowest FID: Guided flow (4.78), ahead of Flow (8.67)." in text
    models["flow"]["fid"] = 5.0  # 0.22 apart: within the leaders' own noise
    text = generation_quality.conclusion(view("gen"), {"floor": {"recall": 0.85}, "models": models})
    assert "Lowest FID: a tie between Guided flow (4.78) and Flow (5.00)" in text
    assert "(0.34)" in text


def test_sampling_cost_compares_each_iterative_model_with_one_step_models_of_its_kind():
    def one(fid):
        return [{"steps": None, "fid": fid, "images_per_s": 10_000.0}]

    def curve(*fids):
        return [{"steps": s, "fid": f, "images_per_s": 100.0 / s} for s, f in zip((5, 10, 25), fids)]

    points = {"dcgan": one(20.0), "cgan": one(12.0), "flow": curve(13.0, 10.0, 9.0),
              "flow_cond": curve(13.0, 12.5, 5.0)}
    titles = {n: n.upper() for n in points}
    text = sampling_cost.conclusion(view("gen"), {"points": points, "titles": titles, "conditional": ["cgan", "flow_cond"]})
    assert "FLOW: lowest FID 9 at 25 steps" in text
    assert "it first beats the best unconditional one-step generator, DCGAN (FID 20, 10,000 images/s), at 5 steps" in text
    assert "FLOW_COND: lowest FID 5 at 25 steps (4 images/s); it first beats the best conditional one-step " \
           "generator, CGAN (FID 12, 10,000 images/s), at 25 steps" in text
    older = sampling_cost.conclusion(view("gen"), {"points": points, "titles": titles})  # no record of kinds
    assert "FLOW: lowest FID 9 at 25 steps (4 images/s); it first beats the best one-step generator, CGAN" in older

"""Report 004's Table 3 (AE vs VAE vs DAE at a glance), filled from the run: what each model
is (read from the model its config builds) and how it measured (read from the analyses'
results), where the report wrote its robustness column ("weak / medium / high") by judgement."""
from __future__ import annotations

from genlab.analyses.base import ReportView
from genlab.report.conclude import accuracy_noise, accuracy_reason, best_sentence, one_seed
from genlab.report.page import Conclusion, Section, Table, Text, quantity

TITLE = "Summary: the autoencoders side by side (Bastos & Cordeiro 2024, table 3, measured)"


TRAITS = ("objective", "noise in training", "loss", "latent space")  # what each model says of itself (Method.traits)


def _measured(view: ReportView, name: str, title: str) -> list:
    floor = view.results("linear_floor").get("results", {}).get(name, {})
    robust = view.results("noise_robustness").get("results", {})
    psnr = (robust.get("curves", {}).get(title) or {}).get("psnr") or [None]
    head = view.results("frozen_classifiers").get("results", {}).get(name, {}).get("head", {})
    accuracy = head.get("test_metrics", {}).get("accuracy")
    return [floor.get("model_mse"), psnr[-1], None if accuracy is None else 100 * accuracy]


def summary_section(view: ReportView) -> Section | None:
    # the table compares autoencoders: models that reconstruct (a generator added to the study is not one)
    specs = [s for s in view.config.models
             if s.name in view.summaries and "reconstruct" in view.methods[s.name].capabilities()]
    if not specs:
        return None
    columns = {s.title: [view.methods[s.name].traits()[t] for t in TRAITS] + _measured(view, s.name, s.title)
               for s in specs}
    factors = view.results("noise_robustness").get("results", {}).get("factors") or [None]
    labels = ["objective", "noise in training", "loss", "latent space", "test MSE per pixel (clean)",
              f"PSNR at noise factor {factors[-1]:g} (dB)" if factors[-1] is not None else "PSNR at the most noise",
              "frozen-encoder MLP accuracy %"]
    kinds = [None, None, None, None, "loss", "db", "percent"]
    rows = [[label, *[quantity(c[i], kinds[i]) if kinds[i] else c[i] for c in columns.values()]]
            for i, label in enumerate(labels)]
    measured = {i: {t: c[i] for t, c in columns.items() if c[i] is not None} for i in (4, 5, 6)}
    n_test = (view.metrics.get("data") or {}).get("n_test", 0)
    noise = accuracy_noise(list(measured[6].values()), n_test) if measured[6] and n_test else 0.0
    best = [best_sentence("test MSE per pixel (clean)", measured[4], "loss", True),
            best_sentence(f"PSNR at noise factor {factors[-1]:g}" if factors[-1] is not None else "PSNR", measured[5],
                          "db", False),
            # the same tie rule as the classifier section's, so the two never disagree
            best_sentence("frozen-encoder MLP accuracy", measured[6], "percent", False, noise, accuracy_reason(n_test)),
            one_seed(view.config.study)]
    return Section(TITLE, [
        Text(f"{view.source[0].upper() + view.source[1:]} summarised the models in a table whose last row, robustness "
             "to noise, was a judgement (weak, medium, high). Here the first rows are what the models this run built say "
             "of themselves, the rest are measured (sections below give how)."),
        Table(["", *columns], rows, "AE vs VAE vs DAE: what each is, and how it measured in this run"),
        Conclusion(" ".join(b for b in best if b)),
    ])

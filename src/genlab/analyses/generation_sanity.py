"""What an odd generation metric means, in a sentence beside the real-data floor's value.

A number that looks excellent or absurd on its own — precision 1.000, recall exactly 0, an
Inception Score of 1.0, nine tenths of the samples in one class — has a plain explanation
that the table does not give: the samples collapsed onto a few points, they are noise, or the
model draws one class. Each rule below reads the numbers of one set (a model's entry of
metrics.json "generation") and returns a sentence or nothing; the floor's value stands beside
every number so the reader sees what real images reach with the same feature network, k and
sample size.
"""
from __future__ import annotations

from genlab.report.page import quantity

DEGENERATE_IS = 1.5  # an Inception Score this close to 1: (nearly) every sample is classified alike
PRECISION_HIGH = 0.9  # "≈ 1": nine samples in ten on the real manifold
RECALL_LOW = 0.05  # "≈ 0": one real image in twenty covered
PRECISION_LOW = 0.1  # samples mostly off the real manifold
ONE_CLASS_SHARE = 0.5  # half the samples in one class …
ONE_CLASS_OVER_FLOOR = 2.0  # … and at least twice the floor's largest class share


def sanity_notes(result: dict) -> list[str]:
    """One paragraph per model whose numbers need explaining (none for sensible numbers)."""
    floor, classes = result["floor"], result["data"].get("classes") or []
    out = []
    for name, entry in result["models"].items():
        found = model_notes(entry, floor, classes, result["options"]["k"])
        if found:
            out.append(f"{entry.get('title') or name}: " + " ".join(found))
    return out


def model_notes(entry: dict, floor: dict, classes: list[str], k: int) -> list[str]:
    """The sentences one set's numbers call for, against the floor's."""
    notes = [_collapse(entry, floor) or _zero_recall(entry, floor, k), _flat_is(entry, floor),
             _one_class(entry, floor, classes)]
    return [n for n in notes if n]


def _score(value: float) -> str:
    return quantity(value, "score")


def _collapse(entry: dict, floor: dict) -> str:
    """Precision ≈ 1 with recall ≈ 0: (nearly) all samples alike, lying among real images' features."""
    if not (entry["precision"] >= PRECISION_HIGH and entry["recall"] <= RECALL_LOW):
        return ""
    return (f"precision {_score(entry['precision'])} with recall {_score(entry['recall'])} (real-data floor: "
            f"{_score(floor['precision'])} and {_score(floor['recall'])}) means a collapse: the samples are (nearly) "
            "all alike, a few points of the feature space that happen to lie among real images, so the high "
            "precision says they resemble some real images, not that the model draws the data's variety.")


def _zero_recall(entry: dict, floor: dict, k: int) -> str:
    """Recall exactly 0: no real image lies within any sample's k-NN ball — why, by precision."""
    if entry["recall"] != 0:
        return ""
    head = (f"recall is exactly 0 (real-data floor {_score(floor['recall'])}): not one real test image lies within "
            f"any sample's nearest-neighbour radius (the distance to its k-th nearest sample, k = {k}).")
    if entry["precision"] < PRECISION_LOW:
        return (f"{head} With precision {_score(entry['precision'])} (floor {_score(floor['precision'])}) the "
                "samples are also far from real images: noise or unrecognisable images, not a generator that covers "
                "part of the data.")
    return (f"{head} Yet precision is {_score(entry['precision'])} (floor {_score(floor['precision'])}): the samples "
            "lie among real images but are too alike — their neighbourhoods are too small to hold a real image, "
            "a loss of variety rather than of quality.")


def _flat_is(entry: dict, floor: dict) -> str:
    """IS near 1: the classifier's output barely changes from sample to sample."""
    if entry["is"] >= DEGENERATE_IS:
        return ""
    return (f"Inception Score {entry['is']:.2f} (real-data floor {floor['is']:.2f}; 1 is the least possible): the "
            "classifier gives (nearly) every sample the same class probabilities, so the samples carry no class "
            "it can tell apart — noise, blank or identical images, or images of one class.")


def _one_class(entry: dict, floor: dict, classes: list[str]) -> str:
    """One class dominates the samples' histogram far beyond the floor's largest class."""
    hist, floor_hist = entry.get("class_hist"), floor.get("class_hist")
    if not hist or not floor_hist:
        return ""
    top = max(range(len(hist)), key=hist.__getitem__)
    if hist[top] < max(ONE_CLASS_SHARE, ONE_CLASS_OVER_FLOOR * max(floor_hist)):
        return ""
    label = classes[top] if top < len(classes) else f"class {top}"
    return (f"{hist[top]:.0%} of its samples are classified as {label} (real-data floor: {floor_hist[top]:.0%} of "
            f"real images, at most {max(floor_hist):.0%} in any class): a model that draws mostly one class.")

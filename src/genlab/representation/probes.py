"""Representation probes on frozen features: a linear probe and k-NN.

Both standardise the features with statistics of the training features only, so a
probe's accuracy says how linearly separable / how locally class-pure the encoder's
codes are, not how they happen to be scaled. The raw pixels go through the same probes
as the baseline every encoder should beat.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from genlab.data.splits import Features, Split, batches


@torch.no_grad()
def encode_split(encoder, split: Split, batch_size: int = 1000) -> Features:
    """Run `encoder.encode` over a split in eval mode: N×D features."""
    if hasattr(encoder, "eval"):
        encoder.eval()
    device = _device(encoder)
    codes = [encoder.encode(x.to(device)).float().cpu() for x, _ in batches(split, batch_size)]
    return Features(torch.cat(codes), split.labels.clone())


def linear_probe(train: Features, test: Features, max_iter: int = 300, seed: int = 0) -> dict:
    """Multinomial logistic regression (L2, C=1) on standardised features."""
    with threadpool_limits(torch.get_num_threads()):  # BLAS obeys --threads / $GENLAB_THREADS like torch
        return _linear_probe(train, test, max_iter, seed)


def _linear_probe(train: Features, test: Features, max_iter: int, seed: int) -> dict:
    scaler = StandardScaler().fit(train.x.numpy())
    model = LogisticRegression(max_iter=max_iter, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:  # not converging within max_iter is recorded, not printed
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(scaler.transform(train.x.numpy()), train.y.numpy())
    predicted = model.predict(scaler.transform(test.x.numpy()))
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {"accuracy": float(np.mean(predicted == test.y.numpy())), "iterations": int(np.max(model.n_iter_)),
            "converged": converged, "n_train": len(train), "n_test": len(test)}


def knn_probe(train: Features, test: Features, k: int = 5) -> dict:
    """k-nearest-neighbour vote (Euclidean, standardised features)."""
    with threadpool_limits(torch.get_num_threads()):
        return _knn_probe(train, test, k)


def _knn_probe(train: Features, test: Features, k: int) -> dict:
    scaler = StandardScaler().fit(train.x.numpy())
    model = KNeighborsClassifier(n_neighbors=k).fit(scaler.transform(train.x.numpy()), train.y.numpy())
    predicted = model.predict(scaler.transform(test.x.numpy()))
    return {"accuracy": float(np.mean(predicted == test.y.numpy())), "k": k, "n_train": len(train), "n_test": len(test)}


def _device(module) -> torch.device:
    params = list(module.parameters()) if hasattr(module, "parameters") else []
    return params[0].device if params else torch.device("cpu")

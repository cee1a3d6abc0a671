"""Evaluation of trained models: image and classification metrics, noise robustness,
representation probes (linear, k-NN) and frozen-encoder classifiers."""

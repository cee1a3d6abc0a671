#!/usr/bin/env bash
# The recipe behind src/genlab/generation/networks/: train Fashion-MNIST's feature network with
# genlab's own trainer at the default settings, on the official release, on the CPU with ONE
# pinned thread (a convolution's sums split across threads round differently, so the thread count
# is part of the recipe), and write it into the package as the next version (fmnist-v2, …) with
# its manifest: SHA-256, config, data identity, test accuracy, how it was trained, and its metrics
# on fixed image sets. A fresh cache, so no earlier training is resumed.
# Usage: bash scripts/ship_feature_net.sh [DATASET]
# fmnist-v1: 2,318 s of training with one thread on a 2-core AMD EPYC (AVX2) shared with other
# work (load 6–9); another process training the same recipe on that machine at one thread got
# bit-identical weights (sha256 240032a5…).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
GENLAB_CACHE="$cache" uv run genlab metrics-net --dataset "${1:-fashion_mnist}" --retrain --threads 1 \
    --write-shipped src/genlab/generation/networks

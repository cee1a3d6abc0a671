#!/usr/bin/env bash
# Set up, then run genlab's main job: study 1 in quick mode on real Fashion-MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
uv run genlab run dense --quick --out "${1:-runs/dense-quick}"

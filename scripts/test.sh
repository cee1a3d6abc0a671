#!/usr/bin/env bash
# Set up (incl. headless Chromium for the report test), then run the whole test suite on CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
GENLAB_APT_EXTRA="chromium" bash scripts/setup.sh
export GENLAB_REQUIRE_CHROMIUM=1
exec uv run pytest -q "$@"

#!/usr/bin/env bash
# Set up (incl. headless Chromium for the report test), then run the whole test suite on CPU;
# then the core tests again on Python 3.12 (Colab's), in a second environment, where a 3.12
# interpreter is on this machine (GENLAB_PY312=skip to leave it out), and the built wheel installed
# with pip into a fresh 3.12 venv (tests/test_wheel_install.py).
set -euo pipefail
cd "$(dirname "$0")/.."
GENLAB_APT_EXTRA="chromium" bash scripts/setup.sh
export GENLAB_REQUIRE_CHROMIUM=1
uv run pytest -q "$@"

CORE=(tests/test_config.py tests/test_engine.py tests/test_models.py tests/test_trainer_options.py tests/test_idx.py
      tests/test_report_export.py tests/experiments/test_stats.py tests/test_run_record.py
      tests/experiments/test_verdicts.py)
py312=$(uv python find 3.12 2>/dev/null || ls "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 2>/dev/null | head -1 || true)
if [ "${GENLAB_PY312:-}" != skip ] && [ $# -eq 0 ] && [ -n "$py312" ]; then
  echo "test: core tests on $("$py312" --version)" >&2
  UV_PROJECT_ENVIRONMENT=.venv-py312 uv sync --frozen --quiet --python "$py312"
  UV_PROJECT_ENVIRONMENT=.venv-py312 uv run --frozen --python "$py312" pytest -q -p no:cacheprovider "${CORE[@]}"
  # genlab as a user installs it: the built wheel, pip-installed into a fresh 3.12 venv, runs a tiny dense --quick
  echo "test: the built wheel in a fresh $("$py312" --version) venv" >&2
  GENLAB_WHEEL_PYTHON="$py312" uv run pytest -q -p no:cacheprovider tests/test_wheel_install.py
elif [ $# -eq 0 ]; then
  echo "test: no Python 3.12 on this machine; core tests on 3.12 skipped" >&2
fi

#!/usr/bin/env bash
# Install everything genlab needs on a fresh machine: uv, Fashion-MNIST (Debian package,
# offline), and the locked Python environment (torch, ultralytics, …) in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv" >&2
  python3 -m pip install --quiet uv
fi

apt_install() {  # apt packages, only where missing and only if we can (root + apt)
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get install ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (Debian packages); genlab will otherwise try to download Fashion-MNIST" >&2
  fi
}

apt_install dataset-fashion-mnist ${GENLAB_APT_EXTRA:-}
uv sync --all-extras --frozen --quiet
echo "setup: done ($(uv run python -c 'import torch; print("torch", torch.__version__)'))" >&2

#!/usr/bin/env bash
# Create (or reuse) the venv for the mongo test server and print its python.
#
#   MONGO_TEST_VENV   venv path (default: <this folder>/.venv)
#   MONGO_TEST_DEV=1  also install requirements-dev.txt (pytest) for test_server.py
#
# Idempotent: packages are (re)installed only when the requirement files'
# hash differs from the stamp written after the last successful install.
# Only the python path goes to stdout, so callers can do PY=$(./setup.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${MONGO_TEST_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

reqs=("$here/requirements.txt")
if [[ "${MONGO_TEST_DEV:-0}" == "1" ]]; then
  reqs+=("$here/requirements-dev.txt")
fi

want="$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)"
stamp="$venv/.requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv" >&2
fi
if [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" != "$want" ]]; then
  rm -f "$stamp"
  for r in "${reqs[@]}"; do
    "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$r" >&2
  done
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"

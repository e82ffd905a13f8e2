#!/usr/bin/env bash
# Create (or reuse) the venv for the S3 test server (moto) and print its python.
#
#   S3_TEST_VENV   venv path (default: <this folder>/.venv)
#   PYTHON         interpreter to create the venv with (default: python3)
#
# Idempotent: packages are (re)installed only when requirements.txt's hash differs from the
# stamp written after the last successful install. Only the python path goes to stdout, so
# callers can do PY=$(./setup.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${S3_TEST_VENV:-$here/.venv}"
python="${PYTHON:-python3}"
reqs="$here/requirements.txt"

want="$(sha256sum < "$reqs" | cut -d' ' -f1)"
stamp="$venv/.requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv" >&2
fi
if [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" != "$want" ]]; then
  rm -f "$stamp"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$reqs" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"

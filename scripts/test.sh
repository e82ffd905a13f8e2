#!/usr/bin/env bash
# Runs every test of the workspace against real databases.
#
# SQLite needs nothing: each test opens its own database file in a temp directory.
#
# With CI=true a backend whose server cannot be provided is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo test --workspace"
cargo test --workspace --all-targets
echo "==> doc tests"
cargo test --workspace --doc

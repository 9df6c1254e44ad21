#!/usr/bin/env bash
# Runs every check CI runs: formatting, clippy, unit and integration tests (the
# integration tests bring up local nodes and a real etcd cluster: root needed),
# the report's headless-browser test, and 30 s of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-deps
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo nextest run --workspace --locked --no-fail-fast
if [ -x scripts/report-browser-test.sh ]; then
  scripts/report-browser-test.sh
fi
# Fuzzing (nightly + cargo-fuzz; fuzz.sh installs cargo-fuzz when missing).
scripts/fuzz.sh 30

#!/usr/bin/env bash
# Runs every check CI runs: formatting, clippy, unit and integration tests (the
# integration tests bring up local nodes and a real etcd cluster: root needed),
# and the report's headless-browser test. The fuzz targets' seeds and crash
# inputs replay as a test (fuzz-bodies); timed fuzzing is the nightly's
# (scripts/nightly.sh runs scripts/fuzz.sh), as are `#[ignore = "nightly: ..."]` tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-deps
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo nextest run --workspace --locked --no-fail-fast
if [ -x scripts/report-browser-test.sh ]; then
  scripts/report-browser-test.sh
fi

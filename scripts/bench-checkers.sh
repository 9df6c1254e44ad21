#!/usr/bin/env bash
# Checker benchmarks (issues 5 and 6): builds release, generates seeded inputs,
# and prints each figure with wall time and peak memory. Not run by CI.
#   scripts/bench-checkers.sh            both
#   scripts/bench-checkers.sh linear     linearizability only
#   scripts/bench-checkers.sh elle       Elle only
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
if [ "$which" = all ] || [ "$which" = linear ]; then
  echo "== linearizability"
  scripts/bench-linear.sh
fi
if [ "$which" = all ] || [ "$which" = elle ]; then
  echo "== elle"
  scripts/bench-elle.sh
fi

#!/usr/bin/env bash
# Shows that the register checker catches stale reads: runs the register test
# with --serializable-reads (etcd answers reads from the local member, possibly
# stale) under partitions, N times, and counts the runs found invalid.
# Needs local nodes up: rjepsen cluster up --nodes n1..n5
#   scripts/serializable-reads.sh [RUNS] [extra rjepsen test args]
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"; shift || true
bin=target/release/rjepsen; [ -x "$bin" ] || bin=target/debug/rjepsen
caught=0
for i in $(seq 1 "$runs"); do
  $bin test --workload register --nodes n1..n5 --serializable-reads \
    --nemesis partition --nemesis-interval 5 --time-limit 30 --rate 200 \
    --name serializable-reads --seed "$i" --quiet "$@" 2>&1 | grep -E "verdict|linear:"
  code=${PIPESTATUS[0]}
  [ "$code" -eq 1 ] && caught=$((caught + 1))
  echo "run $i (seed $i): exit $code"
done
echo "caught: $caught of $runs runs invalid"

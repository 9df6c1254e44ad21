#!/usr/bin/env bash
# The main job on a fresh machine (root): install, build, bring up local nodes
# n1..n5, and run a 60-second register test against a real etcd cluster with
# partitions and crashes. The report lands in store/latest/report.html.
# Extra arguments go to `rjepsen test` (e.g. --time-limit 30 --seed 42).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=target/release/rjepsen
# A fresh cluster every time, so that the demo can be run again.
$bin cluster down >/dev/null
$bin cluster up --nodes n1..n5
set +e
$bin test --workload register --db etcd --nodes n1..n5 --time-limit 60 \
  --nemesis partition,kill --nemesis-interval 10 "$@"
code=$?
set -e
echo "exit code $code (0 valid, 1 invalid, 2 unknown); nodes stay up: '$bin cluster down' removes them"
exit $code

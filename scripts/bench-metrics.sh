#!/usr/bin/env bash
# The cost of node metrics (`--metrics-interval`): brings up three namespace
# nodes (bridge rjexport, subnet 10.68.0.0/24), runs the same register test
# ROUNDS times (default 2) with metrics every second and without, and prints
# for each run the control node's CPU seconds (user+sys of `rjepsen test`)
# and the ok ops/s. Root only; takes the cluster lock.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE="${STORE:-/tmp/rjepsen-bench-metrics}"
ROUNDS="${ROUNDS:-2}"
SECS="${SECS:-15}"
BIN="${BIN:-target/debug/rjepsen}"
[ -x "$BIN" ] || cargo build -q -p rjepsen
STATE=/var/lib/rjepsen-test-rjexport
NET=(--state-dir "$STATE" --bridge rjexport --subnet 10.68.0.0)
exec 9>/tmp/rjepsen-cluster.lock
flock 9
"$BIN" cluster up --nodes x1..x3 "${NET[@]}" >/dev/null
trap '"$BIN" cluster down "${NET[@]}" >/dev/null' EXIT
run() { # $1: metrics interval
  local out
  out=$( { /usr/bin/time -f "cpu %U %S" "$BIN" test --nodes x1..x3 \
      --ssh-private-key "$STATE/id_ed25519" --workload register --time-limit "$SECS" \
      --rate 1000 --recovery-time 0 --seed 1 --metrics-interval "$1" --quiet \
      --store "$STORE" >/dev/null; } 2>&1 | grep '^cpu ')
  local run ok samples
  run=$(readlink -f "$STORE/latest")
  ok=$(grep -c '"type":"ok"' "$run/history.jsonl" || true)
  samples=$( [ -f "$run/metrics.jsonl" ] && wc -l < "$run/metrics.jsonl" || echo 0)
  echo "$out $ok" | awk -v m="$1" -v s="$SECS" -v n="$samples" \
    '{printf "metrics-interval %s: control cpu %.2f s, %.1f ok ops/s, %d metric samples\n", m, $2+$3, $4/s, n}'
}
for _ in $(seq "$ROUNDS"); do
  run 1
  run 0
done

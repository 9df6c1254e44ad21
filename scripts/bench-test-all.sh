#!/usr/bin/env bash
# The overhead of `rjepsen test-all` per run beyond `rjepsen test` itself:
# brings up three namespace nodes (bridge rjetbench, subnet 10.66.0.0/24), runs
# CAMPAIGNS campaigns (default 2) of 8 short runs (2 workloads x 2 nemeses x 2
# seeds), each compared to the one before, and prints test-all's own figure of
# each campaign. Root only; takes the cluster lock. The store stays in
# STORE (default /tmp/rjepsen-bench-test-all) for `rjepsen serve --store`.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE="${STORE:-/tmp/rjepsen-bench-test-all}"
CAMPAIGNS="${CAMPAIGNS:-2}"
BIN="${BIN:-target/debug/rjepsen}"
[ -x "$BIN" ] || cargo build -q -p rjepsen
STATE=/var/lib/rjepsen-test-rjetbench
NET=(--state-dir "$STATE" --bridge rjetbench --subnet 10.66.0.0)
exec 9>/tmp/rjepsen-cluster.lock
flock 9
"$BIN" cluster up --nodes b1..b3 "${NET[@]}" >/dev/null
trap '"$BIN" cluster down "${NET[@]}" >/dev/null' EXIT
for i in $(seq "$CAMPAIGNS"); do
  set +e
  "$BIN" test-all --nodes b1..b3 --ssh-private-key "$STATE/id_ed25519" \
    --workloads register,set --nemeses none,partition --seeds 1,2 \
    --time-limit 2 --rate 40 --nemesis-interval 0.5 --recovery-time 0 \
    --concurrency 3 --quiet --store "$STORE" --compare-to latest \
    > "$STORE.out.$i" 2> "$STORE.err.$i"
  code=$?
  set -e
  echo "campaign $i: exit $code; $(grep -h 'successes\|unknown$\|crashed$\|failures$' "$STORE.out.$i" | tr '\n' ' ')"
  grep -h '^test-all overhead' "$STORE.err.$i"
done
echo "store: $STORE"

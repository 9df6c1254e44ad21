#!/usr/bin/env bash
# How often the shop's races break an invariant by chance (no nemesis): N short
# `rjepsen test --db shop --workload shop` runs on three namespace nodes (10.71),
# seeds 1..N, racy build (or the fixed one with --shop-fixed as 2nd argument).
# Prints one line per run and the counts to stdout. Root; takes the cluster lock.
# Usage: scripts/shop-chance.sh [N] [--shop-fixed]
set -euo pipefail
n=${1:-5}
fixed=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
r=$here/target/debug/rjepsen
sd=/var/lib/rjepsen-nodes-shopchance
store=$(mktemp -d /tmp/rjepsen-shop-chance.XXXXXX)
exec 9>/tmp/rjepsen-cluster.lock
flock 9
"$r" cluster up --nodes s1..s3 --subnet 10.71.0.0 --bridge rjshopch --state-dir "$sd" >/dev/null
trap '"$r" cluster down --state-dir "$sd" >/dev/null 2>&1 || true' EXIT
invalid=0
for s in $(seq 1 "$n"); do
  code=0
  "$r" test --db shop --workload shop --nodes s1..s3 --state-dir "$sd" --store "$store" \
    --name "chance-$s" --time-limit 10 --concurrency 6 --seed "$s" --quiet $fixed \
    >/dev/null 2>&1 || code=$?
  [ "$code" = 1 ] && invalid=$((invalid + 1))
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('seed', sys.argv[2], 'exit', sys.argv[3], 'broken', r['shop']['broken'], 'ops', r['op-counts'])" \
    "$store/chance-$s/latest/results.json" "$s" "$code"
done
echo "invalid: $invalid of $n runs (${fixed:-racy})"

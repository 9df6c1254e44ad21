#!/usr/bin/env bash
# Redis figures (issue 14): one 60 s run of each workload Redis serves under
# partition,kill on three local namespace nodes (10.72; root), Sentinel on,
# and for each: ops/s, ok/fail/info counts and the verdict. Not run by CI.
# Takes the cluster lock itself for each run (and for bringing the nodes up
# and down), so other cluster tests interleave. Progress goes to stderr; the
# table to stdout.
#   scripts/bench-redis.sh [SECS] [WORKLOADS...]   (default 60; register set list-append counter)
# Uses target/debug/rjepsen unless RJEPSEN names another binary; extra test
# flags (e.g. "--appendfsync always") in BENCH_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
shift || true
WORKLOADS=("$@")
((${#WORKLOADS[@]})) || WORKLOADS=(register set list-append counter)
BIN="${RJEPSEN:-target/debug/rjepsen}"
[ -x "$BIN" ] || { echo "no $BIN: cargo build -p rjepsen first" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "local nodes need root" >&2; exit 1; }

STATE=/var/lib/rjepsen-bench-redis
CL=(--state-dir "$STATE" --bridge rjbenchr --subnet 10.72.0.0)
STORE=$(mktemp -d /tmp/rjepsen-bench-redis.XXXXXX)
LOCK=(flock /tmp/rjepsen-cluster.lock)
cleanup() { "${LOCK[@]}" "$BIN" cluster down "${CL[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"${LOCK[@]}" "$BIN" cluster up --nodes r1..r3 "${CL[@]}" >&2

printf '%-12s %8s %8s %8s %8s %8s %s\n' workload ops/s ok fail info ops verdict
for w in "${WORKLOADS[@]}"; do
  echo "--- $w: ${SECS}s under partition,kill" >&2
  # shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
  "${LOCK[@]}" "$BIN" test --db redis --workload "$w" --nodes r1..r3 --ssh-private-key "$STATE/id_ed25519" \
    --time-limit "$SECS" --concurrency 10 --rate 0 --nemesis partition,kill --nemesis-interval 10 \
    --recovery-time 5 --op-timeout 2 --seed 14 --name "bench-$w" --store "$STORE" --quiet \
    ${BENCH_FLAGS:-} >&2 || true
  python3 - "$STORE/bench-$w/latest/results.json" "$w" "$SECS" <<'PY'
import json, sys
path, w, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
r = json.load(open(path))
c = r.get("op-counts", {})
ok, fail, info = c.get("ok", 0), c.get("fail", 0), c.get("info", 0)
ops = ok + fail + info
found = []
for k, v in r.items():
    if isinstance(v, dict):
        for f in ("lost-count", "error-count"):
            if v.get(f):
                found.append(f"{f} {v[f]}")
v = r.get("valid?", "?")
verdict = {True: "valid", False: "invalid"}.get(v, str(v)) + (f" ({', '.join(found)})" if found else "")
print(f"{w:<12} {ops / secs:8.1f} {ok:8} {fail:8} {info:8} {ops:8} {verdict}")
PY
done
echo "store: $STORE" >&2

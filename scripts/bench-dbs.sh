#!/usr/bin/env bash
# Ops/s, counts and verdict of each workload of each database, every run SECS
# seconds (default 60) under `--nemesis partition,kill`, on three local
# namespace nodes: ones already up (NODES and KEY), or b1..b3 on 10.72 brought
# up here and down at the end (root). Each run takes the cluster lock on its own
# (as do bringing the nodes up and down), so other cluster tests interleave.
# A table row per run as it ends on stdout; progress on stderr. Not run by CI.
#
#   scripts/bench-dbs.sh [SECS] [DB[:WORKLOAD,...]...]   (default: $DBS, every workload)
#   e.g. scripts/bench-dbs.sh 60 redis postgres:bank,set
#   NODES=pq1..pq3 KEY=/var/lib/rjepsen-test-rjpgq/id_ed25519 scripts/bench-dbs.sh 60
#   DBS      databases when none is named   (default "etcd postgres redis")
#   RATE     ops/s, 0 as fast as possible    (default 100)
#   BENCH_FLAGS more `rjepsen test` flags    (e.g. "--recovery-time 5 --op-timeout 2")
#   RJEPSEN  the binary                      (default target/debug/rjepsen)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
shift || true
SPECS=("$@")
# shellcheck disable=SC2206 # DBS is a list of names
((${#SPECS[@]})) || SPECS=(${DBS:-etcd postgres redis})
BIN="${RJEPSEN:-target/debug/rjepsen}"
STORE="${STORE:-$(mktemp -d /tmp/rjepsen-bench-dbs.XXXXXX)}"
RATE="${RATE:-100}"
LOCK=(flock /tmp/rjepsen-cluster.lock)
[ -x "$BIN" ] || { echo "bench-dbs.sh: no $BIN: cargo build -p rjepsen first" >&2; exit 1; }

# The workloads each database serves (its adapter's `served()`); a new
# database adds a line.
workloads_of() {
  case "$1" in
    etcd) echo "register set list-append rw-register bank counter" ;;
    postgres) echo "register set list-append rw-register bank" ;;
    redis) echo "register set list-append counter" ;;
    *) echo "bench-dbs.sh: no workloads listed for $1" >&2; exit 2 ;;
  esac
}

if [ -z "${NODES:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench-dbs.sh: local nodes need root (or give NODES and KEY)" >&2; exit 1; }
  STATE=/var/lib/rjepsen-bench-dbs
  CL=(--state-dir "$STATE" --bridge rjbenchd --subnet 10.72.0.0)
  NODES=b1..b3
  KEY="$STATE/id_ed25519"
  trap '"${LOCK[@]}" "$BIN" cluster down "${CL[@]}" >/dev/null 2>&1 || true' EXIT
  "${LOCK[@]}" "$BIN" cluster up --nodes "$NODES" "${CL[@]}" >&2
fi
KEY="${KEY:?KEY: the ssh private key of NODES}"

# One row from a run's results.json: ops/s of the time limit, the counts, and
# the verdict with the anomaly counts the checkers reported.
row() {
  python3 - "$@" <<'PY'
import json, sys
path, db, w, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
r = json.load(open(path))
c = r.get("op-counts", {})
ok, fail, info = c.get("ok", 0), c.get("fail", 0), c.get("info", 0)
ops = ok + fail + info
found = [f"{f} {v[f]}" for v in r.values() if isinstance(v, dict)
         for f in ("lost-count", "error-count") if v.get(f)]
v = r.get("valid?", "?")
verdict = {True: "valid", False: "invalid"}.get(v, str(v)) + (f" ({', '.join(found)})" if found else "")
print(f"| {db} | {w} | {ops / secs:.1f} | {ok} | {fail} | {info} | {ops} | {verdict} |")
PY
}

echo "| db | workload | ops/s | ok | fail | info | ops | verdict |"
echo "|---|---|---|---|---|---|---|---|"
for spec in "${SPECS[@]}"; do
  db="${spec%%:*}"
  if [ "$spec" = "$db" ]; then read -ra ws <<<"$(workloads_of "$db")"; else IFS=, read -ra ws <<<"${spec#*:}"; fi
  for w in "${ws[@]}"; do
    echo "--- $db $w: ${SECS}s under partition,kill" >&2
    # shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
    "${LOCK[@]}" "$BIN" test --db "$db" --workload "$w" --nodes "$NODES" --ssh-private-key "$KEY" \
      --time-limit "$SECS" --rate "$RATE" --concurrency 10 --nemesis partition,kill \
      --seed 14 --name "bench-$db-$w" --store "$STORE" --quiet ${BENCH_FLAGS:-} >&2 || true
    f="$STORE/bench-$db-$w/latest/results.json"
    if [ -f "$f" ]; then row "$f" "$db" "$w" "$SECS"; else echo "| $db | $w | - | - | - | - | - | no result |"; fi
  done
done
echo "store: $STORE" >&2

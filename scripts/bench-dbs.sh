#!/bin/sh
# Ops/s, counts and verdict of every workload of every database built in, each
# run SECS seconds (default 60) under `--nemesis partition,kill` on local nodes
# that are already up. Each run takes the cluster lock on its own, so other
# tests interleave. Prints a table row per run as it ends (stdout); progress on
# stderr.
#
#   scripts/bench-dbs.sh NODES KEY [SECS]
#   e.g. scripts/bench-dbs.sh pq1..pq3 /var/lib/rjepsen-test-rjpgq/id_ed25519
#   DBS="postgres" scripts/bench-dbs.sh ...   (only some databases)
#   RATE=0 ...   (as fast as possible; default 100 ops/s)
set -eu
NODES=${1:?nodes, e.g. pq1..pq3}
KEY=${2:?ssh private key of the nodes}
SECS=${3:-60}
BIN=${RJEPSEN:-$(dirname "$0")/../target/debug/rjepsen}
STORE=${STORE:-/tmp/rjepsen-bench-dbs}
LOCK=/tmp/rjepsen-cluster.lock
DBS=${DBS:-etcd postgres}
RATE=${RATE:-100}

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

row() {
    python3 -c 'import json,sys
r=json.load(open(sys.argv[1])); c=r.get("op-counts",{}); secs=float(sys.argv[4])
ok,fail,info=(c.get(k,0) for k in ("ok","fail","info"))
v=r.get("valid?"); v={True:"valid",False:"invalid"}.get(v,v)
print("| %s | %s | %.1f | %d | %d | %d | %s |"%(sys.argv[2],sys.argv[3],(ok+fail+info)/secs,ok,fail,info,v))' "$@"
}

echo "| db | workload | ops/s | ok | fail | info | verdict |"
echo "|---|---|---|---|---|---|---|"
for db in $DBS; do
    for w in $(workloads_of "$db"); do
        echo "$db $w: ${SECS}s under partition,kill" >&2
        flock "$LOCK" "$BIN" test --db "$db" --workload "$w" --nodes "$NODES" \
            --ssh-private-key "$KEY" --time-limit "$SECS" --rate "$RATE" --nemesis partition,kill \
            --concurrency 10 --seed 14 --name "bench-$db-$w" --store "$STORE" --quiet \
            >/dev/null 2>&1 || true
        f="$STORE/bench-$db-$w/latest/results.json"
        if [ -f "$f" ]; then row "$f" "$db" "$w" "$SECS"; else echo "| $db | $w | - | - | - | - | no result |"; fi
    done
done

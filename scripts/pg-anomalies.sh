#!/bin/sh
# How often rjepsen finds PostgreSQL's anomalies where its settings allow them:
# N short list-append runs (concurrency 10, hot keys) of each scenario on
# local nodes that are already up, one run per `flock` of the cluster lock so
# that other tests interleave. Prints one line per run (stderr: progress) and
# a table: scenario, runs, runs with the expected anomaly, anomaly types seen.
#
#   scripts/pg-anomalies.sh NODES KEY [N] [SECS]
#   e.g. rjepsen cluster up --nodes pq1..pq3 --bridge rjpgq --subnet 10.70.0.0 \
#          --state-dir /var/lib/rjepsen-test-rjpgq
#        scripts/pg-anomalies.sh pq1..pq3 /var/lib/rjepsen-test-rjpgq/id_ed25519 5
set -eu
NODES=${1:?nodes, e.g. pq1..pq3}
KEY=${2:?ssh private key of the nodes}
N=${3:-5}
SECS=${4:-8}
BIN=${RJEPSEN:-$(dirname "$0")/../target/debug/rjepsen}
STORE=${STORE:-/tmp/rjepsen-pg-anomalies}
LOCK=/tmp/rjepsen-cluster.lock

# scenario name; expected anomaly (an extended regex on the types); flags
all='rr;^G2-item$;--isolation repeatable-read
rc;^(G-single|G-nonadjacent|lost-update);--isolation read-committed
replica;-realtime$;--read-from replica --sync-replication off'
# SCENARIOS="rc replica": only those.
pick=$(echo "${SCENARIOS:-rr rc replica}" | tr ' ' '|')
scenarios=$(echo "$all" | grep -E "^($pick);")

types_of() {
    python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
def find(v):
    if isinstance(v,dict):
        if "anomaly-types" in v: return v["anomaly-types"]
        for x in v.values():
            t=find(x)
            if t is not None: return t
    return None
print(" ".join(find(r) or []))' "$1"
}

summary=""
echo "$scenarios" | while IFS=';' read -r name want flags; do
    found=0
    seen=""
    i=1
    while [ "$i" -le "$N" ]; do
        # shellcheck disable=SC2086
        flock "$LOCK" "$BIN" test --db postgres --workload list-append $flags \
            --nodes "$NODES" --ssh-private-key "$KEY" --time-limit "$SECS" --rate 0 \
            --concurrency 10 --seed "$i" --name "pg-$name" --store "$STORE" --quiet \
            >/dev/null 2>&1 || true
        t=$(types_of "$STORE/pg-$name/latest/results.json" || echo "no-result")
        hit=no
        for x in $t; do echo "$x" | grep -Eq -- "$want" && hit=yes; done
        [ "$hit" = yes ] && found=$((found + 1))
        echo "$name seed $i: ${t:-none} (expected found: $hit)" >&2
        seen="$seen $t"
        i=$((i + 1))
    done
    uniq=$(echo "$seen" | tr ' ' '\n' | sort -u | tr '\n' ' ')
    printf '%s\t%s\t%s\t%s\n' "$name" "$N" "$found" "$uniq"
done | { printf 'scenario\truns\tfound\tanomaly types seen\n'; cat; }

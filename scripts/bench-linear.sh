#!/usr/bin/env bash
# Benchmark of the linearizability checker (issue 5). Not a test: prints wall time
# and peak memory (RSS) for each case. Builds release, generates seeded inputs into a
# temporary directory, and checks them with `target/release/rjepsen check` when that
# binary exists (else with the checkers crate's own bench-linear binary).
#
#   scripts/bench-linear.sh            # all cases
#   KEEP=1 scripts/bench-linear.sh     # keep the generated inputs
#
# Sizes: "ops" in the targets counts history entries, as Jepsen does (an invocation
# and its completion are two entries); the 1M-entry history holds 500,000 operations.
# The single-key cases use 5,000 operations (10,000 entries). The last two cases
# count operations instead: 1M operations (2M entries), with the same goals.
set -euo pipefail
cd "$(dirname "$0")/.."
ETCD=${ETCD:-../shared/data/porcupine-etcd}

cargo build --release -q -p rjepsen-checkers --bin bench-linear
BENCH=target/release/bench-linear
# Prefer the real CLI when it has been built; rebuild it so that it holds this code.
if [[ -x target/release/rjepsen ]] && cargo build --release -q -p rjepsen 2>/dev/null \
    && target/release/rjepsen check --help >/dev/null 2>&1; then
    CHECK=(target/release/rjepsen check)
    echo "checking with: target/release/rjepsen check"
else
    CHECK=("$BENCH" check)
    echo "checking with: $BENCH check (target/release/rjepsen not built)"
fi

TMP=$(mktemp -d)
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$TMP"' EXIT; else echo "inputs kept in $TMP"; fi

gen() { "$BENCH" gen "$@" 2>/dev/null; }
gen "$TMP/indep-1m.jsonl" --ops 500000 --keys 1000 --threads 50 --threads-per-key 5 --info 0.02 --seed 1
gen "$TMP/indep-1m-bad.jsonl" --ops 500000 --keys 1000 --threads 50 --threads-per-key 5 --info 0.02 --seed 1 --bad-read 99
gen "$TMP/single-bad.jsonl" --ops 5000 --threads 10 --info 0.05 --seed 2 --bad-read 99
# The 50-process moonshot (issue 9): one key, 50 processes, 5% info, 5,000 ops.
gen "$TMP/single50.jsonl" --ops 5000 --threads 50 --info 0.05 --seed 2
gen "$TMP/single50-bad.jsonl" --ops 5000 --threads 50 --info 0.05 --seed 2 --bad-read 99
gen "$TMP/indep-2m.jsonl" --ops 1000000 --keys 1000 --threads 50 --threads-per-key 5 --info 0.02 --seed 1
gen "$TMP/indep-2m-bad.jsonl" --ops 1000000 --keys 1000 --threads 50 --threads-per-key 5 --info 0.02 --seed 1 --bad-read 99

# run NAME TARGET ARGS...: one timed check; prints the verdict lines and the figures.
run() {
    local name=$1 target=$2
    shift 2
    local out
    out=$( { /usr/bin/time -f "TIME %e s %M KB" "${CHECK[@]}" "$@" | cut -c1-400; } 2>&1 || true)
    local verdicts figures
    verdicts=$(grep -v '^TIME' <<<"$out" | awk -F'\t' 'NF >= 2 && $2 ~ /^(valid|invalid|unknown)$/ {print $2}' \
        | sort | uniq -c | tr -s ' ' | tr '\n' ',' || true)
    figures=$(grep '^TIME' <<<"$out" | sed 's/^TIME //')
    printf '%-48s %-22s %s   (target %s)\n' "$name" "$figures" "[$verdicts]" "$target"
    grep -v '^TIME' <<<"$out" | grep -iE 'key [0-9]+:|the history:' | head -2 | sed 's/^/    /' || true
}

echo
run "porcupine-etcd: 102 files in one call" "<0.3 s" --model cas-register "$ETCD"/*.jsonl
run "1M entries, 1000 keys, valid" "<3 s, <1 GiB" --model cas-register --independent "$TMP/indep-1m.jsonl"
run "1M entries, 1000 keys, one bad read" "<5 s" --model cas-register --independent "$TMP/indep-1m-bad.jsonl"
run "1 key, 10 procs, 5% info, 5k ops, bad read" "<10 s, <1 GiB" --model cas-register "$TMP/single-bad.jsonl"
run "1 key, 50 procs, 5% info, 5k ops, valid" "<30 s, <2 GiB" --model cas-register "$TMP/single50.jsonl"
run "1 key, 50 procs, 5% info, 5k ops, bad read" "<30 s, <2 GiB" --model cas-register "$TMP/single50-bad.jsonl"
# Counting operations rather than entries, "1M ops" is 2M entries: same goals.
run "2M entries (1M ops), 1000 keys, valid" "<3 s, <1 GiB" --model cas-register --independent "$TMP/indep-2m.jsonl"
run "2M entries (1M ops), one bad read" "<5 s" --model cas-register --independent "$TMP/indep-2m-bad.jsonl"

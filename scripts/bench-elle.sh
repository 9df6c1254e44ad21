#!/usr/bin/env bash
# Benchmark of the Elle checker (issue 6): builds release, generates list-append
# histories with the project's seeded generator (100 active keys, at most 32
# appends per key, 20 processes, 2% info), and prints wall time, CPU time and peak
# RSS of checking each: 100k txns valid and with one planted G1c, G-single-item and
# G2-item (goal < 1 s each, anomaly named), and 1M txns (goal < 8 s, < 2 GiB).
#
# Each file is checked three ways: `cli` is `rjepsen check --workload list-append`
# (which streams, as below); `stream` reads the JSONL straight into the
# checker's compact form (ElleChecker::check_file), `history` first builds a core
# History of JSON values as `rjepsen check` does today. Figures are only
# meaningful on an otherwise idle machine; the load average is printed first.
#
# Usage: scripts/bench-elle.sh [WORKDIR]   (default: a fresh temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d -t rjepsen-bench-elle.XXXXXX)}"
mkdir -p "$work"
cargo build --release -q -p rjepsen-checkers --bin bench-elle
bin="$(pwd)/target/release/bench-elle"
cargo build --release -q -p rjepsen
cli="$(pwd)/target/release/rjepsen"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)   inputs in $work"

gen() { # NAME TXNS [PLANT]
    [ -s "$work/$1.jsonl" ] || "$bin" gen --txns "$2" --seed 1 ${3:+--plant "$3"} "$work/$1.jsonl" >/dev/null
}
run() { # NAME MODE
    local flag=""
    [ "$2" = stream ] && flag="--stream"
    local out cmd=("$bin" check $flag "$work/$1.jsonl")
    # `cli` is what a user runs: rjepsen check --workload list-append FILE.
    [ "$2" = cli ] && cmd=("$cli" check --workload list-append "$work/$1.jsonl")
    out=$( { /usr/bin/time -f "TIME %e s wall, %U s user, %S s sys, peak %M KB" \
        "${cmd[@]}"; } 2>&1 ) || true
    printf '%-16s %-8s %s\n' "$1" "$2" "$(grep '^TIME' <<<"$out" | cut -c6-)"
    grep -E '^read' <<<"$out" | sed 's/^/    /' || true
    grep -E '^  (G|lost|internal|dirty|dup|incomp|future|cyclic)' <<<"$out" | cut -c1-400 | sed 's/^/    /' || true
}

gen valid-100k 100000
gen G1c-100k 100000 G1c
gen G-single-100k 100000 G-single-item
gen G2-item-100k 100000 G2-item
gen valid-1m 1000000
for name in valid-100k G1c-100k G-single-100k G2-item-100k valid-1m; do
    for mode in cli stream history; do
        run "$name" "$mode"
    done
done

#!/usr/bin/env bash
# Issue 12's acceptance: N seeded 60 s runs of the shop (`rjepsen test --db shop
# --workload shop --time-limit 60`, seeds 1..N, release build) in each mode
#   a  racy build, --nemesis interleave   (each race found in >= 19 of 20?)
#   b  --shop-fixed, --nemesis interleave (0 of 20?)
#   c  racy build, no nemesis             (how often each race happens by chance)
# on three local namespace nodes (bi1..bi3, 10.75.0.0/24). Prints, per mode and per
# invariant, in how many runs it broke (the final-state check, and for a/b the
# nemesis' `interleave.violations`); for a, whether every violation's pair is
# among that run's candidates.json (or only in early.json, where the analyzer puts
# pairs with an INSERT); wall time per run (min / median / max).
# The cluster lock is taken per run (and for cluster up / down), never for the
# whole script. Results to stdout, progress to stderr.
# Usage: scripts/bench-interleave.sh N [MODES]   (MODES: a comma list, default a,b,c)
# Env: RJEPSEN (binary; default target/release/rjepsen), STORE (default: a new
# /tmp directory), TIME_LIMIT (default 60).
set -euo pipefail
n=${1:?usage: scripts/bench-interleave.sh N [a,b,c]}
modes=${2:-a,b,c}
here=$(cd "$(dirname "$0")/.." && pwd)
r=${RJEPSEN:-$here/target/release/rjepsen}
limit=${TIME_LIMIT:-60}
[ -x "$r" ] || { echo "no $r: run cargo build --release first" >&2; exit 2; }
sd=/var/lib/rjepsen-nodes-bench12
store=${STORE:-$(mktemp -d /tmp/rjepsen-bench-interleave.XXXXXX)}
mkdir -p "$store"
lock() { flock /tmp/rjepsen-cluster.lock "$@"; }

lock "$r" cluster down --state-dir "$sd" >/dev/null 2>&1 || true
lock "$r" cluster up --nodes bi1..bi3 --subnet 10.75.0.0 --bridge rjbench12 \
  --state-dir "$sd" >/dev/null
trap 'lock "$r" cluster down --state-dir "$sd" >/dev/null 2>&1 || true' EXIT
echo "store: $store" >&2

runs=$store/runs.tsv
export W=$store/.wall
: >"$runs"
# Seeds outer, modes inner: a bench cut short still has every mode's first runs.
for s in $(seq 1 "$n"); do
  for mode in ${modes//,/ }; do
    case $mode in
      a) extra=(--nemesis interleave) ;;
      b) extra=(--shop-fixed --nemesis interleave) ;;
      c) extra=() ;;
      *) echo "unknown mode $mode (a, b, c)" >&2; exit 2 ;;
    esac
    name=bench-$mode-$s
    code=0
    # Timed inside the lock: the run itself, not the wait for other users.
    lock sh -c 't0=$(date +%s.%N); "$@"; rc=$?; t1=$(date +%s.%N)
      awk "BEGIN{printf \"%.1f\", $t1 - $t0}" > "$W"; exit $rc' sh \
      "$r" test --db shop --workload shop --nodes bi1..bi3 --state-dir "$sd" \
      --store "$store" --name "$name" --time-limit "$limit" --seed "$s" --quiet \
      "${extra[@]}" >"$store/$name.out" 2>"$store/$name.err" || code=$?
    wall=$(cat "$W")
    printf '%s\t%s\t%s\t%s\n' "$mode" "$s" "$code" "$wall" >>"$runs"
    echo "mode $mode seed $s: exit $code, $wall s" >&2
  done
done
echo "rjepsen test --db shop --workload shop --time-limit $limit, seeds 1..$n, $r"
python3 "$here/scripts/bench_interleave_summary.py" "$store" "$runs"

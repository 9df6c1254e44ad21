#!/usr/bin/env bash
# Playground start-up (issue 10 §3): `rjepsen playground start --count N` until the
# cluster is healthy (every node answers, all name one leader), as `start` itself
# measures it, over ROUNDS start/stop cycles on a scratch --dir. Needs etcd (Debian's
# etcd-server). Progress to stderr; the last line is the figure.
#   scripts/bench-playground.sh [ROUNDS] [COUNT]     (default 5 rounds, 3 nodes)
#   RJEPSEN=target/debug/rjepsen scripts/bench-playground.sh   (skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
COUNT="${2:-3}"
BIN="${RJEPSEN:-}"
if [ -z "$BIN" ]; then
  echo "building rjepsen (release)" >&2
  cargo build --release --locked -p rjepsen >&2
  BIN=target/release/rjepsen
fi
DIR="$(mktemp -d)"
trap '"$BIN" playground --dir "$DIR" stop >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
secs=()
for i in $(seq "$ROUNDS"); do
  line="$("$BIN" playground --dir "$DIR" start --count "$COUNT" 2>&1 >/dev/null | grep 'healthy in')"
  s="$(sed -E 's/.*healthy in ([0-9.]+)s.*/\1/' <<<"$line")"
  echo "round $i: $s s" >&2
  secs+=("$s")
  "$BIN" playground --dir "$DIR" stop >/dev/null 2>&1
done
sorted=($(printf '%s\n' "${secs[@]}" | sort -n))
median="${sorted[$((ROUNDS / 2))]}"
echo "playground: start --count $COUNT to healthy: median ${median} s, min ${sorted[0]} s, max ${sorted[$((ROUNDS - 1))]} s over $ROUNDS rounds"

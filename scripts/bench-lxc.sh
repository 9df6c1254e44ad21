#!/usr/bin/env bash
# LXC node figures (issue 13): base image build (a new image, then cached),
# `cluster up --provider lxc --nodes n1..n5` to all SSH-ready (3 rounds), and the
# demo's 60 s register test (partition,kill) on LXC nodes beside the same test
# on namespace nodes. Root; runs everything under the cluster lock, on 10.65
# (LXC) and 10.65 again for the namespace nodes (one after the other). Not run
# by CI. Progress goes to stderr; figures to stdout.
#   scripts/bench-lxc.sh [--no-demo]
#   RJEPSEN=target/debug/rjepsen scripts/bench-lxc.sh   (skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
# One lock for the whole run: clusters stay up between steps.
LOCK=/tmp/rjepsen-cluster.lock
[ -n "${RJEPSEN_LOCKED:-}" ] || exec env RJEPSEN_LOCKED=1 flock "$LOCK" "$0" "$@"
BIN="${RJEPSEN:-target/release/rjepsen}"
if [ -z "${RJEPSEN:-}" ]; then
  echo "building rjepsen (release)" >&2
  cargo build --release --locked -p rjepsen >&2
fi
IMAGES=$(mktemp -d /var/tmp/rjepsen-bench-images.XXXX)
STORE=$(mktemp -d /tmp/rjepsen-bench-lxc.XXXX)
lxc_args=(--provider lxc --subnet 10.65.0.0 --bridge rjlxcb0 --state-dir /var/lib/rjepsen-bench-lxc)
ns_args=(--subnet 10.65.0.0 --bridge rjnsb0 --state-dir /var/lib/rjepsen-bench-netns)
cleanup() {
  "$BIN" cluster down "${lxc_args[@]}" >/dev/null 2>&1 || true
  "$BIN" cluster down "${ns_args[@]}" >/dev/null 2>&1 || true
  "$BIN" cluster image rm --provider lxc --image-dir "$IMAGES" >/dev/null 2>&1 || true
  rm -rf "$IMAGES" "$STORE"
}
trap cleanup EXIT

secs() { sed -n 's/.* in \([0-9.]*\)s.*/\1/p' | tail -1; }

cached=$([ -d /var/cache/lxc/debian ] && echo "template cache present" || echo "no template cache: debootstrap downloads")
first=$("$BIN" cluster image build --provider lxc --image-dir "$IMAGES" 2>&1 >/dev/null | secs)
again=$("$BIN" cluster image build --provider lxc --image-dir "$IMAGES" 2>&1 >/dev/null | secs)
echo "image build: ${first}s new image ($cached), ${again}s cached"

# The cluster images come from the default image dir (built there if missing).
"$BIN" cluster image build "${lxc_args[@]}" >/dev/null 2>&1
for round in 1 2 3; do
  t=$("$BIN" cluster up "${lxc_args[@]}" --nodes n1..n5 2>&1 >/dev/null | secs)
  echo "cluster up --provider lxc --nodes n1..n5, round $round: ${t}s to all SSH-ready"
  [ "$round" = 3 ] || "$BIN" cluster down "${lxc_args[@]}" >/dev/null 2>&1
done
[ "${1:-}" = "--no-demo" ] && exit 0

demo() { # provider args...
  local name=$1; shift
  "$BIN" test --workload register --db etcd --nodes n1..n5 --time-limit 60 \
    --nemesis partition,kill --nemesis-interval 10 --seed 42 --store "$STORE/$name" --quiet "$@" \
    2>/dev/null | grep -E '^(ops|verdict):' | sed "s/^/$name: /"
}
demo lxc --provider lxc --state-dir /var/lib/rjepsen-bench-lxc
"$BIN" cluster down "${lxc_args[@]}" >/dev/null 2>&1
"$BIN" cluster up "${ns_args[@]}" --nodes n1..n5 >/dev/null 2>&1
demo netns --provider netns --state-dir /var/lib/rjepsen-bench-netns

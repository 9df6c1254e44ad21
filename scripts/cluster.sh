#!/usr/bin/env bash
# Debugging helpers for local nodes (see docs/local-nodes.md). Root only.
#   scripts/cluster.sh ssh NODE [CMD...]   ssh to NODE as root with the cluster's key
#   scripts/cluster.sh enter NODE [CMD...] run CMD (default bash) inside all of NODE's
#                                          namespaces, without SSH (nsenter)
#   scripts/cluster.sh ps NODE             NODE's processes, as NODE sees them
# Other arguments go to `rjepsen cluster` (up, status, down).
# STATE_DIR=/var/lib/rjepsen-nodes-test picks another cluster's state.
set -euo pipefail
STATE_DIR="${STATE_DIR:-/var/lib/rjepsen-nodes}"
STATE="$STATE_DIR/cluster.json"

# The host pid of NODE's init (its sshd), from the state file.
init_pid() {
  [ -r "$STATE" ] || { echo "failed to find node $1: no $STATE (is a cluster up?)" >&2; exit 1; }
  local pid
  # cluster.json is pretty-printed: in NODE's entry, the "pid" after "init".
  pid=$(awk -v want="\"name\": \"$1\"," '
    index($0, want) { found = 1 }
    found && /"init": \{/ { init = 1 }
    init && /"pid":/ { gsub(/[^0-9]/, ""); print; exit }' "$STATE")
  if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
    echo "failed to find node $1: no running init recorded in $STATE" >&2
    exit 1
  fi
  echo "$pid"
}

case "${1:-}" in
  ssh)
    node="${2:?usage: $0 ssh NODE [CMD...]}"
    shift 2
    exec ssh -i "$STATE_DIR/id_ed25519" -o StrictHostKeyChecking=no \
      -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$node" "$@"
    ;;
  enter)
    node="${2:?usage: $0 enter NODE [CMD...]}"
    shift 2
    pid=$(init_pid "$node")
    [ $# -gt 0 ] || set -- bash
    exec nsenter -t "$pid" --all "$@"
    ;;
  ps)
    node="${2:?usage: $0 ps NODE}"
    pid=$(init_pid "$node")
    exec nsenter -t "$pid" --pid --mount ps -ef --forest
    ;;
  *)
    bin="$(dirname "$0")/../target/release/rjepsen"
    [ -x "$bin" ] || bin="$(dirname "$0")/../target/debug/rjepsen"
    [ -x "$bin" ] || bin=rjepsen
    exec "$bin" cluster "$@"
    ;;
esac

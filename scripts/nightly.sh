#!/usr/bin/env bash
# One night of rjepsen (docs/nightly.md): bring up local nodes (unless
# NIGHTLY_LOCAL=0, for real machines), run the campaign file, compare it with
# the previous night, bring the nodes down, and keep the last NIGHTLY_KEEP
# campaigns (their runs too). Exits with test-all's code: 0 all valid,
# 1 a failure or a regression against the previous night (or a failing
# ignored test or a fuzzer's crash, below), 2 unknown, 255 crashed.
#
#   NIGHTLY_MATRIX  campaign file            (default scripts/nightly.toml)
#   NIGHTLY_STORE   store directory          (default /var/lib/rjepsen-nightly/store)
#   NIGHTLY_KEEP    campaigns kept           (default 14)
#   NIGHTLY_NODES   nodes                    (default n1..n5)
#   NIGHTLY_LOCAL   1: local namespace nodes (default 1; root)
#   NIGHTLY_IGNORED 1: first the tests CI skips as too long (`#[ignore = "nightly: ..."]`,
#                   e.g. every workload under every nemesis), with cargo nextest
#                   (default: NIGHTLY_LOCAL; they bring up nodes of their own)
#   NIGHTLY_FUZZ    seconds of each fuzz target (scripts/fuzz.sh; default 300, 0 skips);
#                   a crash fails the night and leaves its input in fuzz/artifacts/
#   NIGHTLY_CLUSTER more `rjepsen cluster` options (e.g. "--bridge rjn0 --subnet 10.66.0.0")
#   NIGHTLY_ARGS    more `rjepsen test-all` options (e.g. "--shard 1/2 --junit /tmp/j.xml")
#   RJEPSEN         the binary               (default: rjepsen on PATH, else target/release)
set -euo pipefail
cd "$(dirname "$0")/.."
MATRIX="${NIGHTLY_MATRIX:-scripts/nightly.toml}"
STORE="${NIGHTLY_STORE:-/var/lib/rjepsen-nightly/store}"
KEEP="${NIGHTLY_KEEP:-14}"
NODES="${NIGHTLY_NODES:-n1..n5}"
LOCAL="${NIGHTLY_LOCAL:-1}"
RJEPSEN="${RJEPSEN:-$(command -v rjepsen || echo target/release/rjepsen)}"
[ -x "$RJEPSEN" ] || { echo "nightly: failed to find rjepsen ($RJEPSEN); run scripts/setup.sh" >&2; exit 255; }
mkdir -p "$STORE"

IGNORED="${NIGHTLY_IGNORED:-$LOCAL}"
FUZZ="${NIGHTLY_FUZZ:-300}"
ignored_code=0
if [ "$FUZZ" != 0 ]; then
  # Before the cluster lock: fuzzing needs no nodes (CI only replays the seeds).
  echo "nightly: fuzzing each target for $FUZZ s (scripts/fuzz.sh)" >&2
  scripts/fuzz.sh "$FUZZ" >&2 || ignored_code=1
fi
if [ "$LOCAL" = 1 ] || [ "$IGNORED" = 1 ]; then
  exec 9>/tmp/rjepsen-cluster.lock
  flock 9
fi
if [ "$IGNORED" = 1 ]; then
  # Before the nightly cluster comes up: two clusters at once only slow each other.
  echo "nightly: the tests CI skips (cargo nextest run --run-ignored only)" >&2
  cargo nextest run --workspace --locked --no-fail-fast --run-ignored only >&2 || ignored_code=1
fi
if [ "$LOCAL" = 1 ]; then
  # shellcheck disable=SC2086 # NIGHTLY_CLUSTER is a list of options
  "$RJEPSEN" cluster up --nodes "$NODES" ${NIGHTLY_CLUSTER:-} >&2
  # shellcheck disable=SC2086
  trap '"$RJEPSEN" cluster down ${NIGHTLY_CLUSTER:-} >&2 || true' EXIT
fi

set +e
KEY=()
if [ "$LOCAL" = 1 ]; then
  # The local cluster's key (its state dir may be moved by NIGHTLY_CLUSTER).
  state=$(echo " ${NIGHTLY_CLUSTER:-} " | sed -n 's/.* --state-dir \([^ ]*\) .*/\1/p')
  KEY=(--ssh-private-key "${state:-/var/lib/rjepsen-nodes}/id_ed25519")
fi
# shellcheck disable=SC2086 # NIGHTLY_ARGS is a list of options
"$RJEPSEN" test-all "${KEY[@]}"  --nodes "$NODES" --matrix "$MATRIX" --store "$STORE" \
  --compare-to latest --quiet ${NIGHTLY_ARGS:-}
code=$?
set -e
# A failing ignored test or a fuzzer's crash fails the night like an invalid run
# (a crash of test-all, 255, stays).
if [ "$ignored_code" != 0 ] && [ "$code" != 255 ]; then code=1; fi

# Keep the newest KEEP campaigns; remove older ones with the runs they list.
mapfile -t old < <(find "$STORE/campaigns" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -r | tail -n +"$((KEEP + 1))")
for c in "${old[@]}"; do
  python3 - "$STORE" "$c" <<'PY'
import json, shutil, sys, os
store, name = sys.argv[1], sys.argv[2]
summary = os.path.join(store, "campaigns", name, "summary.json")
try:
    runs = json.load(open(summary))["runs"]
except (OSError, ValueError, KeyError):
    runs = []
for r in runs:
    d = r.get("dir")
    if d and ".." not in d.split("/"):
        shutil.rmtree(os.path.join(store, d), ignore_errors=True)
shutil.rmtree(os.path.join(store, "campaigns", name), ignore_errors=True)
print(f"nightly: removed campaign {name} and its {len(runs)} runs", file=sys.stderr)
PY
done
exit "$code"

#!/usr/bin/env bash
# End-to-end test of the reports in a real browser: builds the report crate's
# examples, writes the reports of the fixture store (report/tests/fixtures/store)
# into a temporary copy, serves it on 127.0.0.1 (port chosen by the kernel),
# loads the index and four reports (invalid, valid, interrupted, unknown) in headless
# Chromium, and fails when the DOM lacks an element a person must see: the
# verdict, the latency SVG, the nemesis shading, the timeline, the index rows.
# Then the same for two real test-all campaigns (report/tests/fixtures/campaigns):
# the campaigns page and a test's trend page (verdicts, throughput and latency
# SVG, points linking to reports that exist).
# Screenshots are left in a directory printed at the end ($REPORT_SHOTS or a
# new temporary one).
#
# Installs nothing: Debian's `chromium` must be on PATH (.ci/run installs it).
# Talks to loopback only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
    echo "report-browser-test: failed to find chromium on PATH (apt-get install -y chromium)" >&2
    exit 1
fi

cd "$ROOT"
# --workspace, not -p rjepsen-report: with the workspace's feature set the examples
# are the very ones `cargo nextest run --workspace` just built (scripts/test.sh),
# while -p resolves the report's features alone and rebuilds syn, serde_json,
# hyper, axum and what depends on them.
cargo build -q --workspace --examples
SHOTS=${REPORT_SHOTS:-$(mktemp -d /tmp/rjepsen-report-shots.XXXXXX)}
mkdir -p "$SHOTS"
WORK=$(mktemp -d /tmp/rjepsen-report-browser.XXXXXX)
SERVER=""
SERVER2=""
cleanup() {
    for pid in $SERVER $SERVER2; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

cp -a report/tests/fixtures/store "$WORK/store"
for run in "$WORK"/store/*/2026*; do
    "$TARGET/debug/examples/report" "$run" >/dev/null
done

# start_server STORE OUT: serves STORE, sets SERVED_PID and SERVED_URL.
start_server() {
    "$TARGET/debug/examples/serve" "$1" 127.0.0.1:0 >"$2.out" 2>"$2.err" &
    SERVED_PID=$!
    SERVED_URL=""
    for _ in $(seq 100); do
        SERVED_URL=$(head -n1 "$2.out" 2>/dev/null || true)
        [ -n "$SERVED_URL" ] && break
        sleep 0.1
    done
    if [ -z "$SERVED_URL" ]; then
        echo "report-browser-test: failed to start the server: $(cat "$2.err")" >&2
        exit 1
    fi
}
start_server "$WORK/store" "$WORK/serve"
SERVER=$SERVED_PID
URL=$SERVED_URL
echo "serving the fixture store at $URL"

chrome() {
    local profile
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --window-size=1280,2000 "$@" 2>>"$WORK/chromium.log"
}

FAILED=0
# expect NAME FILE PATTERN...: every pattern (grep -E) must occur in the DOM.
expect() {
    local name=$1 dom=$2
    shift 2
    for pattern in "$@"; do
        if ! grep -Eq -- "$pattern" "$dom"; then
            echo "FAIL $name: missing /$pattern/ in the DOM" >&2
            FAILED=1
        fi
    done
}

# check NAME PATH PATTERN...: dump the DOM of PATH, screenshot it, check it.
check() {
    local name=$1 path=$2
    shift 2
    chrome --dump-dom "$URL${path#/}" >"$WORK/$name.html"
    chrome --screenshot="$SHOTS/$name.png" "$URL${path#/}" >/dev/null
    [ -s "$SHOTS/$name.png" ] || { echo "FAIL $name: no screenshot" >&2; FAILED=1; }
    expect "$name" "$WORK/$name.html" "$@"
    echo "checked $name ($path)"
}

SHADE='<rect class="nemesis-shade nemesis-[a-z]+"'
check index / \
    '<table id="runs">' '5 of 5 runs' \
    'href="/etcd-register/20261123T031000.000Z/report.html"' '<span class="badge interrupted">'
check invalid /etcd-register/20261123T031000.000Z/report.html \
    'id="verdict" data-verdict="invalid"' '<svg id="latency-plot"' '<svg id="throughput-plot"' \
    "$SHADE" 'class="nemesis-label"' 'id="timeline-svg"' '<table class="quantiles">' \
    'class="linear-window"' 'href="nodes/n1/etcd.log"'
check valid /etcd-register/20261123T030000.000Z/report.html \
    'id="verdict" data-verdict="valid"' '<svg id="latency-plot"' "$SHADE" 'id="timeline-svg"'
check interrupted /etcd-set/20261123T032000.000Z/report.html \
    'id="verdict" data-verdict="not checked"' 'id="interrupted"' '<svg id="latency-plot"' "$SHADE"
check unknown /etcd-append/20261123T033000.000Z/report.html \
    'id="verdict" data-verdict="unknown"' '<svg id="latency-plot"' "$SHADE" 'class="elle-cycle"'
check filtered '/?verdict=invalid' '2 of 5 runs'

# Two campaigns of test-all: their runs get reports, then the campaigns page and
# a trend page are checked, and every point of the trend must link to a report
# that the server really serves.
cp -a report/tests/fixtures/campaigns "$WORK/campaigns"
for run in "$WORK"/campaigns/etcd-*/2026*; do
    "$TARGET/debug/examples/report" "$run" >/dev/null
done
start_server "$WORK/campaigns" "$WORK/serve2"
SERVER2=$SERVED_PID
URL=$SERVED_URL
echo "serving the campaign fixtures at $URL"
check campaigns /campaigns/ \
    '<table id="campaigns">' '2 campaigns' 'href="/trends/etcd-register-partition"'
check trend /trends/etcd-register-partition \
    '4 runs in 2 campaigns' '<div class="plot" id="throughput-trend"><svg' \
    '<div class="plot" id="latency-trend"><svg' '<circle class="point valid"' '<table id="trend-runs">'
for link in $(grep -Eo 'href="/[^"]+/report.html"><circle' "$WORK/trend.html" | sed -E 's/href="([^"]+)".*/\1/' | sort -u); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL${link#/}")
    [ "$code" = 200 ] || { echo "FAIL trend: point link $link answers $code" >&2; FAILED=1; }
done

echo "screenshots: $SHOTS"
if [ "$FAILED" != 0 ]; then
    echo "report-browser-test: FAILED (chromium's log: $WORK/chromium.log is removed on exit)" >&2
    exit 1
fi
echo "report-browser-test: 8 passed, 0 failed"

#!/usr/bin/env bash
# Proxy benchmarks (issue 10): throughput (iperf3) and round trip (sockperf) on
# loopback, direct vs socat vs rjepsen-proxy with no fault, median of 5 interleaved
# rounds; then a 50 ms latency toxic's p50 and fault removal under 10 MB/s of load.
# Installs iperf3, sockperf and socat from Debian if missing. Not run by CI.
# Progress goes to stderr; figures to stdout; the last line is the summary.
#   scripts/bench-proxy.sh [ROUNDS]      (default 5)
#   BENCH_SECS       seconds per measurement (default 3)
#   BENCH_PORT_BASE  the servers listen on BASE+0 .. BASE+29 (default 25200)
#   BENCH_BASELINE   another rjepsen-proxy binary (an older build) measured in the
#                    same rounds, as "baseline", so that a change is compared with
#                    what it replaces under the same load
# Beside the round trip, the proxies' CPU time per round trip (on-CPU ns of all
# their threads, /proc/PID/task/*/schedstat, over sockperf's round trips): on a
# loaded machine the round trip is mostly the scheduler's, the CPU time is not.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
SECS="${BENCH_SECS:-3}"

need=()
for t in iperf3 sockperf socat curl; do command -v "$t" >/dev/null || need+=("$t"); done
if ((${#need[@]})); then
  echo "installing: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "building rjepsen-proxy (release)" >&2
cargo build --release --locked -p rjepsen-proxy --bin rjepsen-proxy --example removal >&2
BIN=target/release/rjepsen-proxy
BASELINE="${BENCH_BASELINE:-}"

# Ports from BASE: iperf3 +1 direct, +2 socat, +3 proxy, +4 baseline; sockperf
# +11 direct, +12 socat, +13 proxy, +14 baseline; the proxies' APIs +20, +21.
B="${BENCH_PORT_BASE:-25200}"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
iperf3 -s -B 127.0.0.1 -p $((B + 1)) >/dev/null 2>&1 & PIDS+=($!)
sockperf sr --tcp -i 127.0.0.1 -p $((B + 11)) >/dev/null 2>&1 & PIDS+=($!)
socat TCP-LISTEN:$((B + 2)),bind=127.0.0.1,fork,reuseaddr TCP:127.0.0.1:$((B + 1)) & PIDS+=($!)
socat TCP-LISTEN:$((B + 12)),bind=127.0.0.1,fork,reuseaddr,nodelay TCP:127.0.0.1:$((B + 11)),nodelay & PIDS+=($!)
"$BIN" --proxy iperf=127.0.0.1:$((B + 3))=127.0.0.1:$((B + 1)) \
  --proxy sock=127.0.0.1:$((B + 13))=127.0.0.1:$((B + 11)) \
  --api 127.0.0.1:$((B + 20)) 2>/dev/null & PIDS+=($!)
declare -A PID=([proxy]=$!)
WHO=(direct:$((B + 1)):$((B + 11)) socat:$((B + 2)):$((B + 12)) proxy:$((B + 3)):$((B + 13)))
if [ -n "$BASELINE" ]; then
  "$BASELINE" --proxy iperf=127.0.0.1:$((B + 4))=127.0.0.1:$((B + 1)) \
    --proxy sock=127.0.0.1:$((B + 14))=127.0.0.1:$((B + 11)) \
    --api 127.0.0.1:$((B + 21)) 2>/dev/null & PIDS+=($!)
  PID[baseline]=$!
  WHO+=(baseline:$((B + 4)):$((B + 14)))
fi
sleep 1

gbits() { # PORT [-R] -> Gbit/s received
  iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J ${2:-} | python3 -c \
    'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'
}
oncpu() { # PID -> ns its threads have been on a CPU
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{t += $1} END {print t + 0}'
}
RT_CPU=""
p50us() { # PORT [PID] -> p50 round trip in µs; sets RT_CPU (µs of PID's CPU per round trip)
  local before out
  before=$([ -n "${2:-}" ] && oncpu "$2" || echo 0)
  out=$(sockperf pp --tcp -i 127.0.0.1 -p "$1" -t "$SECS" --full-rtt 2>&1)
  if [ -n "${2:-}" ]; then
    RT_CPU=$(awk -v b="$before" -v a="$(oncpu "$2")" -v n="$(sed -n 's/.*\[Total Run\].*ReceivedMessages=\([0-9]*\).*/\1/p' <<<"$out")" \
      'BEGIN {printf "%.2f", (n > 0) ? (a - b) / n / 1000 : 0}')
  fi
  awk '/percentile 50.000/ {print $NF}' <<<"$out"
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f\n", m}'; }

declare -A R
TMPF=$(mktemp)
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS" >&2
  # Every other round in reverse: the last of a round measured a few us better
  # than the others in fixed order (two identical binaries too).
  order=("${WHO[@]}")
  if ((r % 2 == 0)); then mapfile -t order < <(printf '%s\n' "${WHO[@]}" | tac); fi
  for who in "${order[@]}"; do
    IFS=: read -r name tport sport <<<"$who"
    R[$name.up]+="$(gbits "$tport") "
    R[$name.down]+="$(gbits "$tport" -R) "
    p50us "$sport" "${PID[$name]:-}" >"$TMPF"
    R[$name.rtt]+="$(cat "$TMPF") "
    if [ -n "${PID[$name]:-}" ]; then R[$name.cpu]+="$RT_CPU "; fi
  done
done
med() { tr ' ' '\n' <<<"${R[$1]}" | grep . | median; }
for who in "${WHO[@]}"; do
  k=${who%%:*}
  echo "$k: up $(med $k.up) Gbit/s, down $(med $k.down) Gbit/s, p50 round trip $(med $k.rtt) us (rounds: up ${R[$k.up]}| down ${R[$k.down]}| rtt ${R[$k.rtt]})"
done

echo "latency toxic 50 ms downstream" >&2
curl -sf -X POST -d '{"type":"latency","attributes":{"latency":50}}' \
  http://127.0.0.1:$((B + 20))/proxies/sock/toxics >/dev/null
lat=$(p50us $((B + 13)))
curl -sf -X DELETE http://127.0.0.1:$((B + 20))/proxies/sock/toxics/latency_downstream
awk -v v="$lat" 'BEGIN {printf "latency 50 ms toxic: p50 round trip %.2f ms\n", v/1000}'

echo "fault removal under 10 MB/s of load, 100 times" >&2
target/release/examples/removal 100

added() { awk -v a="$(med "$1".rtt)" -v d="$(med direct.rtt)" 'BEGIN {printf "%.1f", a-d}'; }
cpu_line="proxy CPU per round trip: $(med proxy.cpu) us (rounds: ${R[proxy.cpu]})"
[ -n "$BASELINE" ] && cpu_line+="; baseline $(med baseline.cpu) us (rounds: ${R[baseline.cpu]})"
echo "$cpu_line"
rm -f "$TMPF"
if [ -n "$BASELINE" ]; then
  echo "baseline: added p50 $(added baseline) us (proxy $(added proxy) us, socat $(added socat) us)"
fi
echo "proxy: up $(med proxy.up) Gbit/s, down $(med proxy.down) Gbit/s (direct $(med direct.up)/$(med direct.down), socat $(med socat.up)/$(med socat.down)); added p50 $(added proxy) us (socat $(added socat) us)"

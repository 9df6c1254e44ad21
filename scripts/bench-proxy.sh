#!/usr/bin/env bash
# Proxy benchmarks (issue 10): throughput (iperf3) and round trip (sockperf) on
# loopback, direct vs socat vs rjepsen-proxy with no fault, median of 5 interleaved
# rounds; then a 50 ms latency toxic's p50 and fault removal under 10 MB/s of load.
# Installs iperf3, sockperf and socat from Debian if missing. Not run by CI.
# Progress goes to stderr; figures to stdout; the last line is the summary.
#   scripts/bench-proxy.sh [ROUNDS]      (default 5)
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

# Ports: iperf3 5201 (direct), 15201 socat, 25201 proxy; sockperf 11111/21111/31111.
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
iperf3 -s -B 127.0.0.1 -p 5201 >/dev/null 2>&1 & PIDS+=($!)
sockperf sr --tcp -i 127.0.0.1 -p 11111 >/dev/null 2>&1 & PIDS+=($!)
socat TCP-LISTEN:15201,bind=127.0.0.1,fork,reuseaddr TCP:127.0.0.1:5201 & PIDS+=($!)
socat TCP-LISTEN:21111,bind=127.0.0.1,fork,reuseaddr,nodelay TCP:127.0.0.1:11111,nodelay & PIDS+=($!)
"$BIN" --proxy iperf=127.0.0.1:25201=127.0.0.1:5201 --proxy sock=127.0.0.1:31111=127.0.0.1:11111 \
  --api 127.0.0.1:18474 2>/dev/null & PIDS+=($!)
sleep 1

gbits() { # PORT [-R] -> Gbit/s received
  iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J ${2:-} | python3 -c \
    'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'
}
p50us() { # PORT -> p50 round trip in µs
  sockperf pp --tcp -i 127.0.0.1 -p "$1" -t "$SECS" --full-rtt 2>&1 |
    awk '/percentile 50.000/ {print $NF}'
}
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f\n", m}'; }

declare -A R
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r/$ROUNDS" >&2
  for who in direct:5201:11111 socat:15201:21111 proxy:25201:31111; do
    IFS=: read -r name tport sport <<<"$who"
    R[$name.up]+="$(gbits "$tport") "
    R[$name.down]+="$(gbits "$tport" -R) "
    R[$name.rtt]+="$(p50us "$sport") "
  done
done
med() { tr ' ' '\n' <<<"${R[$1]}" | grep . | median; }
for k in direct socat proxy; do
  echo "$k: up $(med $k.up) Gbit/s, down $(med $k.down) Gbit/s, p50 round trip $(med $k.rtt) us (rounds: up ${R[$k.up]}| down ${R[$k.down]}| rtt ${R[$k.rtt]})"
done

echo "latency toxic 50 ms downstream" >&2
curl -sf -X POST -d '{"type":"latency","attributes":{"latency":50}}' \
  http://127.0.0.1:18474/proxies/sock/toxics >/dev/null
lat=$(p50us 31111)
curl -sf -X DELETE http://127.0.0.1:18474/proxies/sock/toxics/latency_downstream
awk -v v="$lat" 'BEGIN {printf "latency 50 ms toxic: p50 round trip %.2f ms\n", v/1000}'

echo "fault removal under 10 MB/s of load, 100 times" >&2
target/release/examples/removal 100

added() { awk -v a="$(med "$1".rtt)" -v d="$(med direct.rtt)" 'BEGIN {printf "%.1f", a-d}'; }
echo "proxy: up $(med proxy.up) Gbit/s, down $(med proxy.down) Gbit/s (direct $(med direct.up)/$(med direct.down), socat $(med socat.up)/$(med socat.down)); added p50 $(added proxy) us (socat $(added socat) us)"

#!/usr/bin/env bash
# Remakes tests/fixtures/shop-otlp/: runs the racy shop on loopback (ports
# 21020-21025) with a fresh database, drives each race once by concurrent
# requests (two buys of the last item, two consigns of one item, a pay and a
# cancel of one order), and keeps the OTLP/HTTP export requests as the
# services' exporters sent them (one protobuf ExportTraceServiceRequest a file).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../tests/fixtures/shop-otlp}
dir=$(mktemp -d /tmp/shop-fixture.XXXX) && chmod 755 "$dir"
venv=${SHOP_VENV:-/opt/rjepsen/shop-venv}
"$venv/bin/python" "$here/otlp_dump.py" "$dir/otlp" 21025 & sink=$!
pids=""
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
stop() {
  kill $pids $sink 2>/dev/null || true
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null || true
}
trap stop EXIT
pids=$(OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:21025 OTEL_BSP_SCHEDULE_DELAY=100 \
  "$here/run-local.sh" "$dir" 21020 | awk '{print $2}')
post() { curl -sS -m 10 -XPOST "http://127.0.0.1:$1" -H 'content-type: application/json' -d "$2"; echo; }
both() { post "$1" "$2" & a=$!; post "$3" "$4" & b=$!; wait $a $b; }
for _ in $(seq 50); do curl -sf http://127.0.0.1:21021/stock >/dev/null && break; sleep 0.2; done
for _ in $(seq 50); do curl -sf http://127.0.0.1:21022/payments >/dev/null && break; sleep 0.2; done
post 21021/stock/i1/restock '{"qty":1}'
post 21021/stock/i2/restock '{"qty":5}'
both 21020/buy '{"order_id":"o1","item_id":"i1"}' 21020/buy '{"order_id":"o2","item_id":"i1"}'
post 21020/buy '{"order_id":"o3","item_id":"i2"}'
both 21020/orders/o3/pay '{}' 21020/orders/o3/cancel '{}'
both 21023/consign '{"item_id":"c1","seller":"s1"}' 21023/consign '{"item_id":"c1","seller":"s2"}'
curl -sS http://127.0.0.1:21021/stock; echo; curl -sS http://127.0.0.1:21021/consignments; echo
curl -sS http://127.0.0.1:21022/payments; echo
sleep 1.5
rm -rf "$out" && mkdir -p "$out" && cp "$dir"/otlp/*.pb "$out"/
echo "$(ls "$out" | wc -l) files in $out" >&2

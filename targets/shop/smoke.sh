#!/usr/bin/env bash
# Runs the shop on loopback (ports 21030-21034) without rjepsen and fires N
# pairs of concurrent requests per race (two buys of an item with one left, two
# consigns of one item, a pay and a cancel of one order), then prints, per
# race, how many of the N pairs broke its invariant in the final state.
# Usage: smoke.sh [N] [fixed]     e.g. smoke.sh 20; smoke.sh 20 fixed
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-20} fixed=${2:-}
dir=$(mktemp -d /tmp/shop-smoke.XXXX) && chmod 755 "$dir"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pids=""
stop() {
  kill $pids 2>/dev/null || true
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT
pids=$("$here/run-local.sh" "$dir" 21030 $fixed | awk '{print $2}')
post() { curl -sS -m 10 -o /dev/null -XPOST "http://127.0.0.1:$1" -H 'content-type: application/json' -d "$2"; }
both() { post "$1" "$2" & a=$!; post "$3" "$4" & b=$!; wait $a $b; }
for _ in $(seq 100); do curl -sf http://127.0.0.1:21031/stock >/dev/null && curl -sf http://127.0.0.1:21032/payments >/dev/null && break; sleep 0.2; done
for k in $(seq "$n"); do
  post 21031/stock/i$k/restock '{"qty":1}'
  both 21030/buy "{\"order_id\":\"a$k\",\"item_id\":\"i$k\"}" 21030/buy "{\"order_id\":\"b$k\",\"item_id\":\"i$k\"}"
  post 21031/stock/p$k/restock '{"qty":1}'
  post 21030/buy "{\"order_id\":\"p$k\",\"item_id\":\"p$k\"}"
  both 21030/orders/p$k/pay '{}' 21030/orders/p$k/cancel '{}'
  both 21033/consign "{\"item_id\":\"c$k\",\"seller\":\"s1\"}" 21033/consign "{\"item_id\":\"c$k\",\"seller\":\"s2\"}"
done
python3 - "$n" <<PY
import json, sys, urllib.request
get = lambda port, path: json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}"))
stock, orders = get(21031, "/stock"), get(21030, "/orders")
cons, pays = get(21031, "/consignments"), get(21032, "/payments")
sold = {}
for o in orders: sold[o["item_id"]] = sold.get(o["item_id"], 0) + o["qty"]
lost = sum(1 for s in stock if s["item_id"].startswith("i") and s["quantity"] + sold.get(s["item_id"], 0) > s["stocked"])
seen = {}
for c in cons: seen[c["item_id"]] = seen.get(c["item_id"], 0) + 1
dup = sum(1 for v in seen.values() if v > 1)
bad = sum(1 for p in pays if p["order_id"].startswith("p") and (
    (p["state"] == "paid" and p["cancels"] > 0) or (p["state"] == "cancelled" and p["charges"] != p["refunds"])))
print(f"lost update {lost}/{sys.argv[1]}, duplicate consignment {dup}/{sys.argv[1]}, paid and cancelled {bad}/{sys.argv[1]}")
PY

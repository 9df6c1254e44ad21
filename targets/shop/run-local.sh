#!/usr/bin/env bash
# Runs the shop on loopback for trying it by hand (and for making the OTLP
# fixture): PostgreSQL in DIR/pg, the four services on PORT..PORT+3, PG on
# PORT+4. Usage: run-local.sh DIR PORT [fixed]   (stop: kill the printed pids)
set -euo pipefail
dir=$1 port=$2 fixed=${3:+1}
here=$(cd "$(dirname "$0")" && pwd)
venv=${SHOP_VENV:-/opt/rjepsen/shop-venv}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg=$((port + 4))
mkdir -p "$dir/pg" "$dir/run" && chown postgres "$dir/pg" "$dir/run"
as_pg() { runuser -u postgres -- "$@"; }
[ -f "$dir/pg/PG_VERSION" ] || as_pg "$bin/initdb" -A trust -U postgres -D "$dir/pg" >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/pg" status >/dev/null ||
  as_pg "$bin/pg_ctl" -w -D "$dir/pg" -l "$dir/pg/pg.log" \
  -o "-c listen_addresses=127.0.0.1 -p $pg -k $dir/run" start >/dev/null
for d in orders inventory payments; do
  as_pg "$bin/createdb" -h 127.0.0.1 -p $pg -U postgres $d 2>/dev/null || true
done
export SHOP_FIXED=${fixed:-0}
export SHOP_INVENTORY_URL=http://127.0.0.1:$((port + 1)) SHOP_PAYMENTS_URL=http://127.0.0.1:$((port + 2))
i=0
for s in orders inventory payments consign; do
  SHOP_DB="host=127.0.0.1 port=$pg user=postgres dbname=$s" OTEL_SERVICE_NAME=$s \
    PYTHONPATH=$here "$venv/bin/python" -m shop $s --port $((port + i)) >"$dir/$s.log" 2>&1 &
  echo "$s $!"
  i=$((i + 1))
done

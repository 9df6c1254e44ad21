"""python -m shop SERVICE --host H --port P: runs one service (threaded)."""
import argparse
import importlib
import sys

from . import common

SERVICES = ["orders", "inventory", "payments", "consign"]


def main():
    p = argparse.ArgumentParser(prog="shop")
    p.add_argument("service", choices=SERVICES)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    common.init_tracing()
    app = importlib.import_module(f"shop.{args.service}").start()
    print(f"shop {args.service} on {args.host}:{args.port}", file=sys.stderr, flush=True)
    app.run(host=args.host, port=args.port, threaded=True)


main()

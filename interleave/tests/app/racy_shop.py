"""A small racy two-service HTTP app for the interleave engine's end-to-end test
(Python stdlib only).

    racy_shop.py inventory PORT          stock per item: GET/PUT /stock/<item>,
                                         POST /reset (stock back to 10), GET /dump
    racy_shop.py front PORT INVENTORY    POST /buy/<item>: reads the stock from
                                         INVENTORY (http://host:port), writes it
                                         back minus one: a lost update when two
                                         buys interleave between read and write
    racy_shop.py front PORT INVENTORY --fixed
                                         the correct variant: one atomic
                                         POST /stock/<item>/take instead

The front propagates the incoming `traceparent` to its calls, as an
OpenTelemetry-instrumented service does, so a proxy on the hop sees the trace id.
"""
import http.client
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

STOCK = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""


class Inventory(Handler):
    def do_GET(self):
        if self.path == "/dump":
            with LOCK:
                return self.reply(200, dict(STOCK))
        item = self.path.rsplit("/", 1)[-1]
        with LOCK:
            self.reply(200, {"item": item, "qty": STOCK.get(item, 10)})

    def do_PUT(self):
        item = self.path.rsplit("/", 1)[-1]
        qty = json.loads(self.body())["qty"]
        with LOCK:
            STOCK[item] = qty
        self.reply(200, {"item": item, "qty": qty})

    def do_POST(self):
        self.body()
        if self.path.endswith("/take"):
            item = self.path.split("/")[2]
            with LOCK:
                qty = STOCK.get(item, 10)
                if qty > 0:
                    STOCK[item] = qty - 1
            return self.reply(200 if qty > 0 else 409, {"item": item, "qty": qty - 1})
        with LOCK:
            STOCK.clear()
        self.reply(200, {"reset": True})


def call(base, method, path, headers, body=None):
    u = urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    hs = dict(headers)
    if data is not None:
        hs["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=hs)
    r = c.getresponse()
    out = json.loads(r.read())
    c.close()
    return out


class Front(Handler):
    inventory = ""
    fixed = False

    def do_POST(self):
        self.body()
        item = self.path.rsplit("/", 1)[-1]
        tp = self.headers.get("traceparent")
        hs = {"traceparent": tp} if tp else {}
        if self.fixed:
            out = call(self.inventory, "POST", f"/stock/{item}/take", hs, {})
            return self.reply(200, {"item": item, "qty": out["qty"]})
        qty = call(self.inventory, "GET", f"/stock/{item}", hs)["qty"]
        if qty <= 0:
            return self.reply(409, {"error": "sold out", "item": item})
        call(self.inventory, "PUT", f"/stock/{item}", hs, {"qty": qty - 1})
        self.reply(200, {"item": item, "qty": qty - 1})


def main():
    role, port = sys.argv[1], int(sys.argv[2])
    handler = Inventory
    if role == "front":
        Front.inventory = sys.argv[3]
        Front.fixed = "--fixed" in sys.argv[4:]
        handler = Front
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()

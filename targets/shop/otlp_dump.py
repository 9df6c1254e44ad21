"""A minimal OTLP/HTTP sink for making the shop's trace fixture by hand: every
POST to /v1/traces (an ExportTraceServiceRequest in protobuf) is written as is
to DIR/NNNN.pb. rjepsen's own receiver (`rjepsen traces receive`) is what runs
inside tests; this exists so the fixture can be remade without building it.
Usage: python otlp_dump.py DIR PORT
"""
import http.server
import itertools
import os
import sys

DIR, PORT = sys.argv[1], int(sys.argv[2])
COUNT = itertools.count()


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/v1/traces":
            with open(os.path.join(DIR, f"{next(COUNT):04}.pb"), "wb") as f:
                f.write(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


os.makedirs(DIR, exist_ok=True)
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Sink).serve_forever()

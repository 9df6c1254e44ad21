"""Exports spans through the official OpenTelemetry SDK and OTLP exporters, as a
real service would: the collector's integration tests run it against a receiver.

    export_spans.py PROTOCOL ENDPOINT SERVICE ITEM

PROTOCOL is grpc or http/protobuf (the standard OTEL_EXPORTER_OTLP_PROTOCOL
values), ENDPOINT the receiver's (as in OTEL_EXPORTER_OTLP_ENDPOINT). Two
requests of SERVICE, a stock write and a stock read of ITEM, each a server span
with one database child span, as Flask and psycopg2's instrumentations emit
them. Prints each trace id (hex) on stdout, one per line.
"""
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind


def exporter(protocol, endpoint):
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=endpoint, insecure=True)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")


def request(tracer, method, path, statement, params):
    with tracer.start_as_current_span(f"{method} {path}", kind=SpanKind.SERVER) as root:
        root.set_attribute("http.request.method", method)
        root.set_attribute("url.full", f"http://shop:8080{path}")
        root.set_attribute("http.response.status_code", 200)
        with tracer.start_as_current_span("stock", kind=SpanKind.CLIENT) as db:
            db.set_attribute("db.system", "postgresql")
            db.set_attribute("db.namespace", "inventory")
            db.set_attribute("server.address", "db")
            db.set_attribute("server.port", 5432)
            db.set_attribute("db.query.text", statement)
            for i, p in enumerate(params):
                db.set_attribute(f"db.query.parameter.{i}", p)
        return format(root.get_span_context().trace_id, "032x")


def main():
    protocol, endpoint, service, item = sys.argv[1:5]
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(exporter(protocol, endpoint)))
    tracer = provider.get_tracer("rjepsen-collector-test")
    ids = [
        request(tracer, "POST", f"/stock/{item}", "UPDATE stock SET qty = ? WHERE item_id = ?", ["4", item]),
        request(tracer, "GET", f"/stock/{item}", "SELECT qty FROM stock WHERE item_id = ?", [item]),
    ]
    provider.shutdown()
    print("\n".join(ids))


if __name__ == "__main__":
    main()

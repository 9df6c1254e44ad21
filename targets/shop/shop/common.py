"""What every service shares: configuration from the environment, tracing, the
database pool and the HTTP session to other services.

Tracing is the official OpenTelemetry SDK and instrumentations only (Flask,
requests, psycopg2 with parameter capture), configured by the standard
OTEL_EXPORTER_OTLP_* / OTEL_SERVICE_NAME variables, so the spans are exactly what
a user's system built on these packages emits.
"""
import os
import sys
import threading

import psycopg2
import psycopg2.pool
import requests
from flask import Flask, jsonify
from opentelemetry import trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def fixed():
    """Whether the correct variants run (SHOP_FIXED=1)."""
    return os.environ.get("SHOP_FIXED", "0") == "1"


def url(name):
    """The base URL of another service, from SHOP_<NAME>_URL."""
    key = f"SHOP_{name.upper()}_URL"
    value = os.environ.get(key)
    if not value:
        sys.exit(f"shop: {key} is not set")
    return value.rstrip("/")


def exporter():
    """The OTLP exporter OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL names: `grpc`, or
    `http/protobuf` (the default, as the specification's)."""
    protocol = os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    elif protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    else:
        sys.exit(f"shop: OTLP protocol {protocol!r} is not supported (grpc, http/protobuf)")
    return OTLPSpanExporter()


def init_tracing():
    """Export spans by OTLP when an endpoint is configured."""
    Psycopg2Instrumentor().instrument(capture_parameters=True, skip_dep_check=True)
    RequestsInstrumentor().instrument()
    if not (
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        return
    provider = TracerProvider(resource=Resource.create())
    provider.add_span_processor(BatchSpanProcessor(exporter()))
    trace.set_tracer_provider(provider)


def make_app(name):
    app = Flask(name)
    FlaskInstrumentor().instrument_app(app)
    return app


class Db:
    """A small pool of autocommit connections to this service's database."""

    def __init__(self, dsn):
        self.pool = psycopg2.pool.ThreadedConnectionPool(1, 16, dsn)
        self.lock = threading.Lock()

    def run(self, fn):
        """fn(cursor) inside one transaction; returns what fn returns."""
        conn = self.pool.getconn()
        try:
            with conn:
                with conn.cursor() as cur:
                    return fn(cur)
        finally:
            self.pool.putconn(conn)

    def schema(self, statements):
        """Creates the tables under an advisory lock (services start at once)."""

        def create(cur):
            cur.execute("SELECT pg_advisory_xact_lock(1212)")
            for s in statements:
                cur.execute(s)

        self.run(create)


def db():
    dsn = os.environ.get("SHOP_DB")
    if not dsn:
        sys.exit("shop: SHOP_DB (a libpq connection string) is not set")
    return Db(dsn)


SESSION = requests.Session()
TIMEOUT = float(os.environ.get("SHOP_HOP_TIMEOUT", "10"))


def call(method, base, path, body=None):
    """One hop to another service; returns (status, json)."""
    r = SESSION.request(method, base + path, json=body, timeout=TIMEOUT)
    try:
        data = r.json()
    except ValueError:
        data = {"error": r.text}
    return r.status_code, data


def error(status, message, **extra):
    return jsonify(error=message, **extra), status

//! Integration tests of rjepsen-collector: real OpenTelemetry SDK exporters (the
//! Python SDK's gRPC and HTTP exporters) send to a receiver on loopback, and
//! `rjepsen-traces` reads back what was stored; malformed requests over raw HTTP.

mod integration {
    mod exporters;
    mod http_errors;
    mod support;
}

//! rjepsen-collector: an OTLP trace receiver that a run (or `rjepsen traces
//! receive`) starts so that the services under test export their spans to it
//! through the standard `OTEL_EXPORTER_OTLP_*` variables.
//!
//! It speaks both OTLP transports — gRPC ([`grpc`], the `TraceService/Export`
//! method) and OTLP/HTTP ([`http`], `POST /v1/traces`, protobuf or JSON) — and
//! writes every accepted request as one OTLP JSON line to a directory
//! ([`store`]), before answering, so that `rjepsen traces analyze DIR` reads
//! what arrived even from a run that was killed. It is a library first:
//! [`Receiver::start`] takes bind addresses and returns the bound ones, the
//! environment to give to services, and a handle that stops it.

mod error;
pub mod grpc;
pub mod http;
mod receiver;
pub mod store;

pub use error::CollectorError;
pub use receiver::{Protocol, Receiver, ReceiverConfig};
pub use store::{Stats, FILE_NAME};

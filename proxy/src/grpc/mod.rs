//! gRPC control (`proto/control.proto`, package `rjepsen.proxy.v1`): apply and clear
//! fault sets, list links and their counters, read events.
//!
//! Like the HTTP API it is a view of the group's one fault set, not state beside it;
//! the messages mirror the library types one to one ([`convert`]) so a fault set
//! round-trips unchanged. The playground daemon serves it and its CLI drives it.

mod convert;
mod service;

/// The generated messages, client and server.
pub mod pb {
    tonic::include_proto!("rjepsen.proxy.v1");
}

pub use convert::{fault_set_from_pb, fault_set_to_pb};
pub use service::{connect, serve, service, Control};

//! Integration tests of rjepsen-proxy with real sockets on loopback.

mod integration {
    mod common;
    mod engine;
    mod faults;
    mod grpc;
    mod http;
    mod http1;
}

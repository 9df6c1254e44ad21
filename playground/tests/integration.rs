//! Integration tests of rjepsen-playground: the socket-owner lookup with real
//! processes and sockets, and a real etcd cluster on loopback behind the proxies
//! (the `cluster` tests start etcd: nextest's `cluster` group, one at a time).

mod integration {
    mod cluster;
    mod common;
    mod owner;
}

//! rjepsen-db's one integration-test binary: clients against a loopback etcd, and
//! the etcd `Db` on local namespace nodes (root only).

#![cfg(feature = "etcd")]

mod integration {
    pub mod clients;
    pub mod db;
    pub mod faults;
    pub mod latency;
    pub mod local_etcd;
}

//! Integration tests of the `rjepsen` binary: arguments and exit codes, `check`
//! on files, real end-to-end tests on local nodes against etcd (root only),
//! among them the proxy nemeses and LXC nodes, PostgreSQL's anomalies, and the
//! playground on loopback (no root).

mod integration {
    pub mod campaign;
    pub mod cli;
    pub mod end_to_end;
    pub mod export;
    pub mod interrupt;
    pub mod lxc;
    pub mod playground;
    pub mod playground_shop;
    pub mod postgres;
    pub mod proxy;
    pub mod redis;
    pub mod shop;
    pub mod sigkill;
    pub mod traces_receive;
    pub mod workloads;
}

//! Integration tests of the `rjepsen` binary: arguments and exit codes, `check`
//! on files, a real end-to-end test on local nodes against etcd (root only), and
//! the playground on loopback (no root).

mod integration {
    pub mod cli;
    pub mod end_to_end;
    pub mod interrupt;
    pub mod playground;
    pub mod sigkill;
    pub mod workloads;
}

//! Integration tests of the `rjepsen` binary: arguments and exit codes, `check`
//! on files, and a real end-to-end test on local nodes against etcd (root only).

mod integration {
    pub mod campaign;
    pub mod cli;
    pub mod end_to_end;
    pub mod export;
    pub mod interrupt;
    pub mod sigkill;
    pub mod workloads;
}

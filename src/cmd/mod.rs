//! One module per subcommand (`rjepsen test`, `test-all`, `compare`, `check`, `analyze`, `export`, `cluster`, `playground`, `traces`; `heal` is
//! shared by `test` and `cluster heal`), each
//! with a `run` that takes its parsed arguments and returns an exit code. They sit
//! in a folder of their own so that `test.rs` here is read as a command, not as a
//! test file, and a new command is one new file and one line below.

pub mod analyze;
pub mod check;
pub mod cluster;
pub mod compare;
pub mod export;
pub mod heal;
pub mod playground;
mod playground_start;
pub mod proxy_metrics;
pub mod test;
pub mod test_all;
pub mod traces;
pub mod traces_receive;

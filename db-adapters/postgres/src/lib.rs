//! PostgreSQL: the clients of each workload over `tokio-postgres` (pure Rust).
//!
//! Its connections ([`Conn`]) implement core's workload traits
//! (`rjepsen_core::serve`) and [`served`] lists them; core's op client applies
//! the one rule for completions, with what PostgreSQL's errors prove from
//! [`errors`]. Options ([`PgOptions`]: isolation, read-from, sync-replication)
//! are typed as etcd's are. [`Postgres`] is the `Db`: Debian's PostgreSQL, the
//! first node the primary and the others streaming replicas; see
//! docs/postgres.md.

mod bank;
mod commands;
mod conn;
mod db;
pub mod errors;
mod options;
mod register;
mod txn;

pub use commands::{DATA_DIR, LOG_FILE};
pub use conn::{Conn, PgConnector, CONNECT_TIMEOUT, PORT, SCHEMA};
pub use db::Postgres;
pub use options::{Isolation, OnOff, PgOptions, ReadFrom};

use rjepsen_core::serve::{self, Served};

/// Every workload PostgreSQL serves.
pub fn served() -> Vec<Served> {
    vec![
        serve::register::register(PgConnector),
        serve::set::set(PgConnector),
        serve::txn::list_append(PgConnector),
        serve::txn::rw_register(PgConnector),
        serve::bank::bank(PgConnector),
    ]
}

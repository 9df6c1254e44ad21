//! Redis: a primary, its replicas and a Sentinel on every node; the clients
//! of each workload over redis-rs (pure Rust, on tokio).
//!
//! Its connections ([`Conn`]) follow the current primary (Sentinel names it)
//! and implement core's workload traits (`rjepsen_core::serve`); [`served`]
//! lists them; core's op client applies the one rule for completions, with
//! what Redis's errors prove from [`errors`]. Options ([`RedisOptions`]:
//! failover, appendfsync, wait-replicas, read-from) are typed as the other
//! databases' are. [`Redis`] is the `Db`; see docs/redis.md.

mod commands;
mod conn;
mod db;
pub mod errors;
mod options;
mod register;
mod txn;

pub use commands::{DIR, LOG_FILE, MASTER_NAME, SENTINEL_LOG_FILE, SENTINEL_PORT};
pub use conn::{current_primary, Conn, RedisConnector, CONNECT_TIMEOUT, PORT};
pub use db::Redis;
pub use options::{Appendfsync, Failover, ReadFrom, RedisOptions};

use rjepsen_core::serve::{self, Served};

/// Every workload Redis serves (rw-register and bank are not written).
pub fn served() -> Vec<Served> {
    vec![
        serve::register::register(RedisConnector),
        serve::set::set(RedisConnector),
        serve::txn::list_append(RedisConnector),
        serve::counter::counter(RedisConnector),
    ]
}

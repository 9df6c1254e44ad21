//! rjepsen-db: the registry of databases; each adapter is a crate of its own
//! (`db-adapters/<db>/`, so that their client libraries and dependency trees never
//! meet), linked here behind a cargo feature of the same name.
//!
//! The runner and the CLI only need the two entry points below, which map the
//! names given on the command line (`--db etcd`, `--workload register`) to a `Db`
//! and to a template `Client` (opened per worker with `Client::open(test, node)`).

#[cfg(feature = "etcd")]
pub use rjepsen_db_etcd as etcd;
#[cfg(feature = "postgres")]
pub use rjepsen_db_postgres as postgres;
#[cfg(feature = "redis")]
pub use rjepsen_db_redis as redis;
#[cfg(feature = "shop")]
pub use rjepsen_db_shop as shop;

use rjepsen_core::client::Client;
use rjepsen_core::db::{Db, DbOptions};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The names `db_for` knows, for help texts.
pub const DBS: &[&str] = &[
    #[cfg(feature = "etcd")]
    "etcd",
    #[cfg(feature = "postgres")]
    "postgres",
    #[cfg(feature = "redis")]
    "redis",
    #[cfg(feature = "shop")]
    "shop",
];

/// The `Db` called `name`.
pub fn db_for(name: &str) -> Result<Arc<dyn Db>, String> {
    match name {
        #[cfg(feature = "etcd")]
        "etcd" => Ok(Arc::new(etcd::Etcd::default())),
        #[cfg(feature = "postgres")]
        "postgres" => Ok(Arc::new(postgres::Postgres)),
        #[cfg(feature = "redis")]
        "redis" => Ok(Arc::new(redis::Redis)),
        #[cfg(feature = "shop")]
        "shop" => Ok(Arc::new(shop::Shop::default())),
        _ => Err(format!(
            "failed to find db {name:?}: known dbs are {}",
            DBS.join(", ")
        )),
    }
}

/// The options of `db`, checked: `given` holds what the command line named
/// (`serializable-reads`, `db-binary`, ...); an option the database does not
/// take is an error naming those it does. Returns them as the database's typed
/// options write them (test.json's `db_options`, `Test::options`).
pub fn db_options(db: &str, given: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    let _ = given; // unused when no DB feature is enabled
    match db {
        #[cfg(feature = "etcd")]
        "etcd" => checked::<etcd::EtcdOptions>(given),
        #[cfg(feature = "postgres")]
        "postgres" => checked::<postgres::PgOptions>(given),
        #[cfg(feature = "redis")]
        "redis" => checked::<redis::RedisOptions>(given),
        #[cfg(feature = "shop")]
        "shop" => checked::<shop::ShopOptions>(given),
        _ => Err(format!(
            "failed to find db {db:?}: known dbs are {}",
            DBS.join(", ")
        )),
    }
}

/// `given` checked by `O`, written out with its defaults.
#[allow(dead_code)] // unused when no DB feature is enabled
fn checked<O: DbOptions>(given: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    O::parse(given)
        .map(|o| o.to_map())
        .map_err(|e| e.to_string())
}

/// The command-line arguments that give `db`'s options in `options` (test.json's
/// `db_options`) again, for the rerun command; none for an unknown `db`.
pub fn db_args(db: &str, options: &Map<String, Value>) -> Vec<String> {
    let _ = options; // unused when no DB feature is enabled
    match db {
        #[cfg(feature = "etcd")]
        "etcd" => etcd::EtcdOptions::from_map(options).to_args(),
        #[cfg(feature = "postgres")]
        "postgres" => postgres::PgOptions::from_map(options).to_args(),
        #[cfg(feature = "redis")]
        "redis" => redis::RedisOptions::from_map(options).to_args(),
        #[cfg(feature = "shop")]
        "shop" => shop::ShopOptions::from_map(options).to_args(),
        _ => Vec::new(),
    }
}

/// A template client of `db` for `workload`: one of those the database's
/// adapter serves (`served()`, typed by core's per-workload traits).
pub fn client_for(db: &str, workload: &str) -> Result<Box<dyn Client>, String> {
    let _ = workload; // unused when no DB feature is enabled
    match db {
        #[cfg(feature = "etcd")]
        "etcd" => rjepsen_core::serve::pick(db, etcd::served(), workload),
        #[cfg(feature = "postgres")]
        "postgres" => rjepsen_core::serve::pick(db, postgres::served(), workload),
        #[cfg(feature = "redis")]
        "redis" => rjepsen_core::serve::pick(db, redis::served(), workload),
        // The shop's requests are its own vocabulary (rjepsen_workloads::shop).
        #[cfg(feature = "shop")]
        "shop" if workload == "shop" => Ok(Box::new(shop::ShopClient::default())),
        #[cfg(feature = "shop")]
        "shop" => Err(format!(
            "failed to find a client for workload {workload:?} on shop: it serves shop"
        )),
        _ => Err(format!(
            "failed to find db {db:?}: known dbs are {}",
            DBS.join(", ")
        )),
    }
}

#[cfg(all(test, feature = "etcd"))]
mod tests {
    use super::*;

    #[test]
    fn names_resolve() {
        assert!(db_for("etcd").is_ok());
        assert!(db_for("zookeeper").err().unwrap().contains("etcd"));
        // etcd serves every workload the workloads crate can build.
        for w in rjepsen_core::serve::WORKLOADS {
            assert!(client_for("etcd", w).is_ok(), "{w}");
        }
        assert!(client_for("etcd", "queue")
            .err()
            .unwrap()
            .contains("list-append"));
        assert!(client_for("nope", "register").is_err());
    }
}

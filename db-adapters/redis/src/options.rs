//! Redis's own options, typed: checked when the command line is parsed,
//! written into test.json from this type and read back from it (the pattern
//! of etcd's `EtcdOptions` and PostgreSQL's `PgOptions`: core's `DbOptions`).

use rjepsen_core::db::DbOptions;
use serde::{Deserialize, Serialize};

/// Who promotes a replica when the primary is gone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failover {
    /// A Sentinel on every node; a majority of them elects a new primary.
    #[default]
    Sentinel,
    /// No Sentinel: the first node is the primary for good.
    None,
}

/// When the append-only file is fsynced (`appendfsync`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Appendfsync {
    /// Before every write is acknowledged.
    Always,
    /// Once a second (Redis's default): a kill loses up to a second.
    #[default]
    Everysec,
    /// When the kernel likes.
    No,
}

impl Appendfsync {
    /// As `redis.conf` spells it.
    pub fn conf(self) -> &'static str {
        match self {
            Appendfsync::Always => "always",
            Appendfsync::Everysec => "everysec",
            Appendfsync::No => "no",
        }
    }
}

/// Where reads go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadFrom {
    /// The current primary, as Sentinel names it.
    #[default]
    Primary,
    /// The worker's own node (a replica, unless it is the primary).
    Replica,
}

/// What `--db redis` can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default, deny_unknown_fields)]
pub struct RedisOptions {
    pub failover: Failover,
    pub appendfsync: Appendfsync,
    /// After each write, `WAIT` for this many replicas (0: do not wait). A
    /// write that fewer acknowledge in time completes `info`.
    pub wait_replicas: u32,
    pub read_from: ReadFrom,
}

impl DbOptions for RedisOptions {
    const DB: &'static str = "redis";
    const NAMES: &'static [&'static str] =
        &["failover", "appendfsync", "wait-replicas", "read-from"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn parse_checks_names_and_values() {
        let given = |v: Value| v.as_object().unwrap().clone();
        let o =
            RedisOptions::parse(&given(json!({"failover": "none", "wait-replicas": 2}))).unwrap();
        assert_eq!(o.failover, Failover::None);
        assert_eq!(o.wait_replicas, 2);
        assert_eq!(o.appendfsync, Appendfsync::Everysec);
        let err = |v: Value| RedisOptions::parse(&given(v)).unwrap_err().to_string();
        let e = err(json!({"appendfsync": "sometimes"}));
        assert!(e.contains("sometimes") && e.contains("redis"), "{e}");
        let e = err(json!({"isolation": "serializable"}));
        assert!(e.contains("--isolation") && e.contains("--failover"), "{e}");
        let e = err(json!({"wait-replicas": -1}));
        assert!(e.contains("-1"), "{e}");
        // NAMES and serde's field names agree: the map round-trips, and so
        // do the rerun command's arguments.
        let o = RedisOptions {
            failover: Failover::None,
            appendfsync: Appendfsync::Always,
            wait_replicas: 1,
            read_from: ReadFrom::Replica,
        };
        assert_eq!(RedisOptions::parse(&o.to_map()).unwrap(), o);
        assert_eq!(
            o.to_args().join(" "),
            "--failover none --appendfsync always --wait-replicas 1 --read-from replica"
        );
    }
}

//! PostgreSQL's own options, typed: checked when the command line is parsed,
//! written into test.json from this type and read back from it (the same
//! pattern as etcd's `EtcdOptions`: core's `DbOptions`).

use rjepsen_core::db::DbOptions;
use serde::{Deserialize, Serialize};

/// The isolation level every transaction runs at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    ReadCommitted,
    RepeatableRead,
    #[default]
    Serializable,
}

impl Isolation {
    /// As `BEGIN ISOLATION LEVEL ...` spells it.
    pub fn sql(self) -> &'static str {
        match self {
            Isolation::ReadCommitted => "READ COMMITTED",
            Isolation::RepeatableRead => "REPEATABLE READ",
            Isolation::Serializable => "SERIALIZABLE",
        }
    }
}

/// Where read-only transactions go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadFrom {
    #[default]
    Primary,
    /// The worker's own node (a streaming replica, unless it is the primary).
    Replica,
}

/// What `--db postgres` can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct PgOptions {
    pub isolation: Isolation,
    pub read_from: ReadFrom,
    /// Commits wait for a replica's acknowledgement (`synchronous_commit`).
    pub sync_replication: bool,
}

impl DbOptions for PgOptions {
    const DB: &'static str = "postgres";
    const NAMES: &'static [&'static str] = &["isolation", "read-from", "sync-replication"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn parse_checks_names_and_values() {
        let given = |v: Value| v.as_object().unwrap().clone();
        let o = PgOptions::parse(&given(json!({"isolation": "read-committed"}))).unwrap();
        assert_eq!(o.isolation, Isolation::ReadCommitted);
        assert_eq!(o.read_from, ReadFrom::Primary);
        let err = PgOptions::parse(&given(json!({"isolation": "snapshot"})))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("snapshot") && err.contains("postgres"),
            "{err}"
        );
        let err = PgOptions::parse(&given(json!({"serializable-reads": true})))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--serializable-reads") && err.contains("--isolation"),
            "{err}"
        );
        assert_eq!(
            PgOptions::parse(&PgOptions::default().to_map()).unwrap(),
            PgOptions::default()
        );
    }
}

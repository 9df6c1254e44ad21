//! PostgreSQL's own options, typed: checked when the command line is parsed,
//! written into test.json from this type and read back from it (the same
//! pattern as etcd's `EtcdOptions`).

use rjepsen_core::test::Test;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

impl PgOptions {
    /// The options' names, as `--NAME` on the command line.
    pub const NAMES: [&'static str; 3] = ["isolation", "read-from", "sync-replication"];

    /// Checks the options given on the command line (name → value).
    pub fn parse(given: &Map<String, Value>) -> Result<PgOptions, String> {
        if let Some(k) = given.keys().find(|k| !Self::NAMES.contains(&k.as_str())) {
            return Err(format!(
                "--{k} does not apply to --db postgres (its options: --{})",
                Self::NAMES.join(", --")
            ));
        }
        serde_json::from_value(Value::Object(given.clone()))
            .map_err(|e| format!("bad option for --db postgres: {e}"))
    }

    /// The options as test.json and `Test::options` hold them.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// This test's options (checked at parse time; a hand-built `Test` with a
    /// malformed one reads as the default).
    pub fn of(test: &Test) -> PgOptions {
        let mine: Map<String, Value> = test
            .options
            .iter()
            .filter(|(k, _)| Self::NAMES.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::from_value(Value::Object(mine)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_checks_names_and_values() {
        let given = |v: Value| v.as_object().unwrap().clone();
        let o = PgOptions::parse(&given(json!({"isolation": "read-committed"}))).unwrap();
        assert_eq!(o.isolation, Isolation::ReadCommitted);
        assert_eq!(o.read_from, ReadFrom::Primary);
        let err = PgOptions::parse(&given(json!({"isolation": "snapshot"}))).unwrap_err();
        assert!(
            err.contains("snapshot") && err.contains("postgres"),
            "{err}"
        );
        let err = PgOptions::parse(&given(json!({"serializable-reads": true}))).unwrap_err();
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

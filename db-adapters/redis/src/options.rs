//! Redis's own options, typed: checked when the command line is parsed,
//! written into test.json from this type and read back from it (the pattern
//! of etcd's `EtcdOptions` and PostgreSQL's `PgOptions`).

use rjepsen_core::test::Test;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

impl RedisOptions {
    /// The options' names, as `--NAME` on the command line.
    pub const NAMES: [&'static str; 4] = ["failover", "appendfsync", "wait-replicas", "read-from"];

    /// Checks the options given on the command line (name → value).
    pub fn parse(given: &Map<String, Value>) -> Result<RedisOptions, String> {
        if let Some(k) = given.keys().find(|k| !Self::NAMES.contains(&k.as_str())) {
            return Err(format!(
                "--{k} does not apply to --db redis (its options: --{})",
                Self::NAMES.join(", --")
            ));
        }
        serde_json::from_value(Value::Object(given.clone()))
            .map_err(|e| format!("bad option for --db redis: {e}"))
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
    pub fn of(test: &Test) -> RedisOptions {
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
        let o =
            RedisOptions::parse(&given(json!({"failover": "none", "wait-replicas": 2}))).unwrap();
        assert_eq!(o.failover, Failover::None);
        assert_eq!(o.wait_replicas, 2);
        assert_eq!(o.appendfsync, Appendfsync::Everysec);
        let err = RedisOptions::parse(&given(json!({"appendfsync": "sometimes"}))).unwrap_err();
        assert!(err.contains("sometimes") && err.contains("redis"), "{err}");
        let err = RedisOptions::parse(&given(json!({"isolation": "serializable"}))).unwrap_err();
        assert!(
            err.contains("--isolation") && err.contains("--failover"),
            "{err}"
        );
        let err = RedisOptions::parse(&given(json!({"wait-replicas": -1}))).unwrap_err();
        assert!(err.contains("-1"), "{err}");
        assert_eq!(
            RedisOptions::parse(&RedisOptions::default().to_map()).unwrap(),
            RedisOptions::default()
        );
    }
}

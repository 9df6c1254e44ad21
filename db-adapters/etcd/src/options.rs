//! etcd's own options, typed: checked when the command line is parsed, written
//! into test.json from this type, and read back from it by the `Db` and the
//! clients (never as loose keys).
//!
//! An option another database takes (`--isolation`...) is refused for etcd at
//! parse time, naming the options etcd does take, rather than being ignored.

use rjepsen_core::test::Test;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What `--db etcd` can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct EtcdOptions {
    /// Serializable reads (served from the node's own state, possibly stale)
    /// instead of linearizable ones.
    pub serializable_reads: bool,
    /// A local etcd binary to upload instead of installing Debian's package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_binary: Option<String>,
}

impl EtcdOptions {
    /// The options' names, as `--NAME` on the command line.
    pub const NAMES: [&'static str; 2] = ["serializable-reads", "db-binary"];

    /// Checks the options given on the command line (name → value).
    pub fn parse(given: &Map<String, Value>) -> Result<EtcdOptions, String> {
        if let Some(k) = given.keys().find(|k| !Self::NAMES.contains(&k.as_str())) {
            return Err(format!(
                "--{k} does not apply to --db etcd (its options: --{})",
                Self::NAMES.join(", --")
            ));
        }
        serde_json::from_value(Value::Object(given.clone()))
            .map_err(|e| format!("bad option for --db etcd: {e}"))
    }

    /// The options as test.json and `Test::options` hold them.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// This test's etcd options. They were checked at parse time, so only a
    /// hand-built `Test` can hold a malformed one; it reads as the default.
    pub fn of(test: &Test) -> EtcdOptions {
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

    fn given(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn parse_checks_names_and_types() {
        let o = EtcdOptions::parse(&given(json!({"serializable-reads": true}))).unwrap();
        assert!(o.serializable_reads);
        assert_eq!(o.db_binary, None);
        let err = EtcdOptions::parse(&given(json!({"isolation": "serializable"}))).unwrap_err();
        assert!(
            err.contains("--isolation") && err.contains("--serializable-reads"),
            "{err}"
        );
        let err = EtcdOptions::parse(&given(json!({"serializable-reads": "yes"}))).unwrap_err();
        assert!(err.contains("etcd"), "{err}");
    }

    #[test]
    fn the_record_round_trips() {
        let o = EtcdOptions {
            serializable_reads: true,
            db_binary: Some("/opt/etcd".into()),
        };
        let map = o.to_map();
        assert_eq!(map["db-binary"], json!("/opt/etcd"));
        assert_eq!(EtcdOptions::parse(&map).unwrap(), o);
        assert!(!EtcdOptions::default().to_map().contains_key("db-binary"));
    }
}

//! etcd's own options, typed: checked when the command line is parsed, written
//! into test.json from this type, and read back from it by the `Db` and the
//! clients (never as loose keys).
//!
//! An option another database takes (`--isolation`...) is refused for etcd at
//! parse time, naming the options etcd does take, rather than being ignored
//! (core's `DbOptions` does the checking, writing and reading).

use rjepsen_core::db::DbOptions;
use serde::{Deserialize, Serialize};

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

impl DbOptions for EtcdOptions {
    const DB: &'static str = "etcd";
    const NAMES: &'static [&'static str] = &["serializable-reads", "db-binary"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map, Value};

    fn given(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn parse_checks_names_and_types() {
        let o = EtcdOptions::parse(&given(json!({"serializable-reads": true}))).unwrap();
        assert!(o.serializable_reads);
        assert_eq!(o.db_binary, None);
        let err = EtcdOptions::parse(&given(json!({"isolation": "serializable"})))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--isolation") && err.contains("--serializable-reads"),
            "{err}"
        );
        let err = EtcdOptions::parse(&given(json!({"serializable-reads": "yes"})))
            .unwrap_err()
            .to_string();
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
        assert_eq!(
            o.to_args(),
            ["--serializable-reads", "--db-binary", "/opt/etcd"].map(String::from)
        );
        // Every name is a field serde writes, and every field is named.
        let mut keys: Vec<String> = o.to_map().keys().cloned().collect();
        keys.sort();
        let mut names: Vec<String> = EtcdOptions::NAMES.iter().map(|n| n.to_string()).collect();
        names.sort();
        assert_eq!(keys, names);
    }
}

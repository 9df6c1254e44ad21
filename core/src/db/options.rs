//! A database's own options, typed: one trait, so that every adapter checks,
//! writes and reads its options the same way.
//!
//! An adapter declares a serde struct (kebab-case fields, `#[serde(default)]`)
//! and names itself and its options as associated constants; the provided
//! methods do the rest. [`DbOptions::parse`] runs while the command line is
//! parsed, so a mistake is a bad argument before anything runs, and an option
//! of another database (`--isolation` with `--db etcd`) is refused naming the
//! options this one takes. [`DbOptions::to_map`] is what test.json's
//! `db_options` and `Test::options` hold (flat, beside the generic
//! `op-timeout`); [`DbOptions::of`] reads it back, and [`DbOptions::to_args`]
//! spells it again for the rerun command. The options' names are defined once
//! (`NAMES`) and serde's field names must agree with them, which the adapter's
//! round-trip test checks.

use crate::test::Test;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// Why a database's options were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// An option this database does not take.
    #[error("--{name} does not apply to --db {db} (its options: --{})", known.join(", --"))]
    Unknown {
        db: &'static str,
        name: String,
        known: Vec<&'static str>,
    },
    /// A value of the wrong type or outside the option's values.
    #[error("bad option for --db {db}: {message}")]
    Bad { db: &'static str, message: String },
}

/// The typed options of one database (`EtcdOptions`, `PgOptions`, ...).
pub trait DbOptions: Serialize + DeserializeOwned + Default {
    /// The database, as `--db` names it.
    const DB: &'static str;
    /// The options' names, as `--NAME` on the command line and as the keys of
    /// `to_map` (serde's kebab-case field names).
    const NAMES: &'static [&'static str];

    /// Checks the options given on the command line (name → value): every
    /// name must be one of `NAMES` and every value of its field's type.
    fn parse(given: &Map<String, Value>) -> Result<Self, OptionsError> {
        if let Some(k) = given.keys().find(|k| !Self::NAMES.contains(&k.as_str())) {
            return Err(OptionsError::Unknown {
                db: Self::DB,
                name: k.clone(),
                known: Self::NAMES.to_vec(),
            });
        }
        serde_json::from_value(Value::Object(given.clone())).map_err(|e| OptionsError::Bad {
            db: Self::DB,
            message: e.to_string(),
        })
    }

    /// The options as test.json and `Test::options` hold them, defaults
    /// spelled out.
    fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// The options among `options` (test.json's `db_options`, which also
    /// holds generic keys such as `op-timeout`). They were checked at parse
    /// time, so only a hand-built map can hold a malformed one; it reads as
    /// the default.
    fn from_map(options: &Map<String, Value>) -> Self {
        let mine: Map<String, Value> = options
            .iter()
            .filter(|(k, _)| Self::NAMES.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::from_value(Value::Object(mine)).unwrap_or_default()
    }

    /// This test's options.
    fn of(test: &Test) -> Self {
        Self::from_map(&test.options)
    }

    /// The command-line arguments that give these options again, in `NAMES`
    /// order: a `true` flag as `--NAME`, a string or number as `--NAME VALUE`;
    /// `false` and absent values are left out (they are the defaults a flag
    /// or an optional value has). Override it for an option spelled otherwise.
    fn to_args(&self) -> Vec<String> {
        let map = self.to_map();
        let mut args = Vec::new();
        for name in Self::NAMES {
            match map.get(*name) {
                Some(Value::Bool(true)) => args.push(format!("--{name}")),
                Some(Value::String(s)) => args.extend([format!("--{name}"), s.clone()]),
                Some(n @ Value::Number(_)) => args.extend([format!("--{name}"), n.to_string()]),
                _ => {}
            }
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case", default)]
    struct Toy {
        fast: bool,
        level: Option<String>,
        depth: u32,
    }

    impl DbOptions for Toy {
        const DB: &'static str = "toy";
        const NAMES: &'static [&'static str] = &["fast", "level", "depth"];
    }

    fn given(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn parse_refuses_unknown_names_and_bad_values() {
        let e = Toy::parse(&given(json!({"speed": 1}))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--speed does not apply to --db toy (its options: --fast, --level, --depth)"
        );
        let e = Toy::parse(&given(json!({"depth": "deep"}))).unwrap_err();
        assert!(matches!(e, OptionsError::Bad { db: "toy", .. }), "{e}");
        assert!(e.to_string().contains("deep"), "{e}");
    }

    #[test]
    fn map_and_args_round_trip() {
        let t = Toy {
            fast: true,
            level: Some("high".into()),
            depth: 3,
        };
        let mut map = t.to_map();
        assert_eq!(Toy::parse(&map).unwrap(), t);
        map.insert("op-timeout".into(), json!(5.0));
        assert_eq!(Toy::from_map(&map), t);
        assert_eq!(
            t.to_args(),
            ["--fast", "--level", "high", "--depth", "3"].map(String::from)
        );
        let d = Toy::default();
        assert_eq!(d.to_args(), ["--depth", "0"].map(String::from));
        assert_eq!(Toy::from_map(&given(json!({"depth": "x"}))), d);
    }
}

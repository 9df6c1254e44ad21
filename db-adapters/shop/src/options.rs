//! The shop's own options, typed: checked when the command line is parsed,
//! written into test.json from this type and read back from it (the pattern of
//! etcd's and PostgreSQL's options).

use rjepsen_core::test::Test;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What `--db shop` can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ShopOptions {
    /// The correct variants of the three races (`SHOP_FIXED=1`): the negative
    /// control, under which no invariant may break.
    pub shop_fixed: bool,
}

impl ShopOptions {
    /// The options' names, as `--NAME` on the command line.
    pub const NAMES: [&'static str; 1] = ["shop-fixed"];

    /// Checks the options given on the command line (name → value).
    pub fn parse(given: &Map<String, Value>) -> Result<ShopOptions, String> {
        if let Some(k) = given.keys().find(|k| !Self::NAMES.contains(&k.as_str())) {
            return Err(format!(
                "--{k} does not apply to --db shop (its options: --{})",
                Self::NAMES.join(", --")
            ));
        }
        serde_json::from_value(Value::Object(given.clone()))
            .map_err(|e| format!("bad option for --db shop: {e}"))
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
    pub fn of(test: &Test) -> ShopOptions {
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
        assert!(
            ShopOptions::parse(&given(json!({"shop-fixed": true})))
                .unwrap()
                .shop_fixed
        );
        assert!(!ShopOptions::parse(&Map::new()).unwrap().shop_fixed);
        let err = ShopOptions::parse(&given(json!({"shop-fixed": "yes"}))).unwrap_err();
        assert!(err.contains("shop"), "{err}");
        let err = ShopOptions::parse(&given(json!({"isolation": "serializable"}))).unwrap_err();
        assert!(
            err.contains("--isolation") && err.contains("--shop-fixed"),
            "{err}"
        );
    }
}

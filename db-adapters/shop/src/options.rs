//! The shop's own options, typed: checked when the command line is parsed,
//! written into test.json from this type and read back from it (the pattern of
//! etcd's and PostgreSQL's options).

use rjepsen_core::db::DbOptions;
use serde::{Deserialize, Serialize};

/// What `--db shop` can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ShopOptions {
    /// The correct variants of the three races (`SHOP_FIXED=1`): the negative
    /// control, under which no invariant may break.
    pub shop_fixed: bool,
}

impl DbOptions for ShopOptions {
    const DB: &'static str = "shop";
    const NAMES: &'static [&'static str] = &["shop-fixed"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map, Value};

    #[test]
    fn parse_checks_names_and_values() {
        let given = |v: Value| v.as_object().unwrap().clone();
        assert!(
            ShopOptions::parse(&given(json!({"shop-fixed": true})))
                .unwrap()
                .shop_fixed
        );
        assert!(!ShopOptions::parse(&Map::new()).unwrap().shop_fixed);
        let err = ShopOptions::parse(&given(json!({"shop-fixed": "yes"})))
            .unwrap_err()
            .to_string();
        assert!(err.contains("shop"), "{err}");
        let err = ShopOptions::parse(&given(json!({"isolation": "serializable"})))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--isolation") && err.contains("--shop-fixed"),
            "{err}"
        );
    }
}

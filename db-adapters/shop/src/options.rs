//! The shop's own options, typed: checked when the command line is parsed,
//! written into test.json from this type and read back from it (the pattern of
//! etcd's and PostgreSQL's options).

use rjepsen_core::db::DbOptions;
use rjepsen_workloads::shop::ShopLoad;
use serde::{Deserialize, Serialize};

/// What `--db shop` can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ShopOptions {
    /// The correct variants of the three races (`SHOP_FIXED=1`): the negative
    /// control, under which no invariant may break.
    pub shop_fixed: bool,
    /// How spread out the workload's requests are; here because the client
    /// stocks the same items the workload buys (names: `LOAD_OPTIONS`).
    #[serde(flatten)]
    pub load: ShopLoad,
}

impl DbOptions for ShopOptions {
    const DB: &'static str = "shop";
    const NAMES: &'static [&'static str] =
        &["shop-fixed", "shop-items", "shop-orders", "shop-consigns"];
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
        let none = ShopOptions::parse(&Map::new()).unwrap();
        assert!(!none.shop_fixed);
        assert_eq!(none.load, ShopLoad::default());
        let o = ShopOptions::parse(&given(json!({"shop-items": 7, "shop-consigns": 2}))).unwrap();
        assert_eq!((o.load.items.get(), o.load.consigns.get()), (7, 2));
        assert_eq!(o.load.orders, ShopLoad::default().orders);
        for bad in [json!({"shop-items": 0}), json!({"shop-orders": "many"})] {
            let err = ShopOptions::parse(&given(bad.clone()))
                .unwrap_err()
                .to_string();
            assert!(err.contains("--db shop"), "{bad}: {err}");
        }
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

    /// The names agree with serde's, the map holds every one (defaults
    /// spelled out), and the rerun arguments give the same options back.
    #[test]
    fn names_map_and_args_round_trip() {
        let o = ShopOptions::parse(&given_map(json!({"shop-fixed": true, "shop-orders": 3})));
        let o = o.unwrap();
        let map = o.to_map();
        let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
        let mut names = ShopOptions::NAMES.to_vec();
        keys.sort();
        names.sort();
        assert_eq!(keys, names);
        assert_eq!(ShopOptions::from_map(&map), o);
        assert_eq!(ShopLoad::from_db_options(&map), o.load);
        let args = o.to_args();
        assert_eq!(
            args,
            [
                "--shop-fixed",
                "--shop-items",
                "8",
                "--shop-orders",
                "3",
                "--shop-consigns",
                "4"
            ]
        );
        let mut back = Map::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let name = a.trim_start_matches("--").to_string();
            let v = if name == "shop-fixed" {
                json!(true)
            } else {
                json!(it.next().unwrap().parse::<u32>().unwrap())
            };
            back.insert(name, v);
        }
        assert_eq!(ShopOptions::parse(&back).unwrap(), o);
    }

    fn given_map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }
}

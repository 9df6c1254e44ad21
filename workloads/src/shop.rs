//! The shop workload: requests to the shop's front services (targets/shop,
//! docs/shop.md) spread over items, orders and consignment ids, so that its
//! three races can happen, and a final read of the whole state, checked against the
//! shop's invariants (`shop/invariants.rs`).
//!
//! Op vocabulary a client must serve (each one HTTP request to a front service):
//! - `buy` `{"order_id", "item_id", "qty"}` → ok if the order was placed; `fail`
//!   if refused (out of stock: 409)
//! - `pay` / `cancel` `{"order_id"}` → ok if the payment was charged / the
//!   order cancelled; `fail` if refused (409, or no such order yet: 404)
//! - `consign` `{"item_id", "seller"}` → ok if consigned; `fail` if already
//! - `restock` `{"item_id", "qty"}` → ok (an atomic increment in both builds)
//! - `state` `null` → ok with every service's tables as `invariants::State`
//!   reads them (`stock`, `orders`, `consignments`, `payments`)
//!
//! Tied to `--db shop` ([`crate::DB_WORKLOADS`]), not in [`crate::WORKLOADS`]:
//! these ops are the shop's own requests, served by its HTTP client
//! (`rjepsen_db_shop::ShopClient`), not a vocabulary every database serves.
//!
//! Why a light load by default: the acceptance of issue 12 asks how often each
//! race shows up *by chance*, beside how often the interleave nemesis forces it.
//! Under a heavy load on a few ids (the first version: 3 items, concurrency 6,
//! 100 ops/s) every run broke every invariant by chance, so a nemesis could add
//! nothing visible. The defaults ([`ShopLoad::default`], [`DEFAULT_RATE`]) are a
//! light background load instead: a race needs two requests on one id at once,
//! and here two requests on one id are usually seconds apart. Buys draw from
//! [`ShopLoad::items`] items; pays and cancels from the last
//! [`ShopLoad::orders`] orders bought; each consign mints a fresh consignment id
//! and names one of the last [`ShopLoad::consigns`] ids minted, so an id is asked
//! for about once on average, sometimes twice. Ids come from the generator's
//! own counters, so the ops are a pure function of the seed. docs/shop.md has
//! the trade-off and the figures.

mod invariants;

pub use invariants::{check_state, ShopInvariants, State, Violation, INVARIANTS};

use crate::Workload;
use rand::Rng;
use rjepsen_checkers::stats::Stats;
use rjepsen_core::checker::Compose;
use rjepsen_core::generator::{Context, GenOp, Generator, Once};
use rjepsen_core::op::Op;
use rjepsen_core::Checker;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::num::NonZeroU32;

/// This workload's name (`--workload shop`).
pub const NAME: &str = "shop";
/// Stock each item gets at setup (the client restocks before the run).
pub const INITIAL_STOCK: i64 = 20;
/// Ops per second when `--rate` is not given: a light background load.
pub const DEFAULT_RATE: f64 = 3.0;

/// How spread out the shop's requests are (`--shop-items`, `--shop-orders`,
/// `--shop-consigns`): the fewer ids, the more often two requests on one id
/// overlap by chance. The shop's `Db` options carry it (test.json's
/// `db_options`, the rerun command): its client stocks the same items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ShopLoad {
    /// Items bought from and restocked (`i0`, `i1`, ...).
    #[serde(rename = "shop-items")]
    pub items: NonZeroU32,
    /// Pays and cancels pick one of the last this many orders bought.
    #[serde(rename = "shop-orders")]
    pub orders: NonZeroU32,
    /// A consign names one of the last this many consignment ids minted.
    #[serde(rename = "shop-consigns")]
    pub consigns: NonZeroU32,
}

/// The names of [`ShopLoad`]'s options, as serde and the command line spell them.
pub const LOAD_OPTIONS: &[&str] = &["shop-items", "shop-orders", "shop-consigns"];

impl Default for ShopLoad {
    fn default() -> Self {
        let n = |v| NonZeroU32::new(v).expect("a default is not zero");
        ShopLoad {
            items: n(8),
            orders: n(4),
            consigns: n(4),
        }
    }
}

impl ShopLoad {
    /// The load among a run's database options (test.json's `db_options`,
    /// checked at parse time by the shop's `Db` options, which hold it);
    /// the default for keys that are absent.
    pub fn from_db_options(options: &serde_json::Map<String, Value>) -> Self {
        let mine: serde_json::Map<String, Value> = options
            .iter()
            .filter(|(k, _)| LOAD_OPTIONS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::from_value(Value::Object(mine)).unwrap_or_default()
    }

    /// The items' names, as the generator and the client's stocking use them.
    pub fn item_names(&self) -> impl Iterator<Item = String> {
        (0..self.items.get()).map(|i| format!("i{i}"))
    }
}

/// Builds the shop workload.
pub fn shop(load: &ShopLoad) -> Workload {
    let checker = Compose(vec![
        (
            "shop".to_string(),
            Box::new(ShopInvariants) as Box<dyn Checker>,
        ),
        ("stats".to_string(), Box::new(Stats)),
    ]);
    Workload {
        name: NAME.into(),
        generator: Box::new(Requests::new(*load)),
        final_generator: Some(Box::new(Once::new("state", Value::Null))),
        checker: Box::new(checker),
    }
}

/// The main phase's requests; the counters name fresh orders and consignments.
struct Requests {
    load: ShopLoad,
    orders: u64,
    consigns: u64,
}

impl Requests {
    fn new(load: ShopLoad) -> Self {
        Requests {
            load,
            orders: 0,
            consigns: 0,
        }
    }

    /// One of the last `window` of `minted` ids (1-based), by the seed.
    fn recent(ctx: &mut Context, minted: u64, window: NonZeroU32) -> u64 {
        minted - ctx.rng.gen_range(0..u64::from(window.get()).min(minted))
    }

    fn next(&mut self, ctx: &mut Context) -> (&'static str, Value) {
        let roll = ctx.rng.gen_range(0..100);
        let item = format!("i{}", ctx.rng.gen_range(0..self.load.items.get()));
        match roll {
            0..=34 => {
                self.orders += 1;
                let order = format!("o{}", self.orders);
                ("buy", json!({"order_id": order, "item_id": item, "qty": 1}))
            }
            35..=69 if self.orders > 0 => {
                let order = format!("o{}", Self::recent(ctx, self.orders, self.load.orders));
                let f = if roll < 55 { "pay" } else { "cancel" };
                (f, json!({"order_id": order}))
            }
            70..=96 => {
                self.consigns += 1;
                let id = Self::recent(ctx, self.consigns, self.load.consigns);
                let seller = format!("s{}", ctx.rng.gen_range(0..4));
                (
                    "consign",
                    json!({"item_id": format!("c{id}"), "seller": seller}),
                )
            }
            _ => ("restock", json!({"item_id": item, "qty": 2})),
        }
    }
}

impl Generator for Requests {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(p) = ctx.free_client() else {
            return GenOp::Pending;
        };
        let (f, value) = self.next(ctx);
        let mut op = Op::invoke(p, f, value);
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{clients, drain, take};
    use std::collections::{BTreeMap, BTreeSet};

    fn load(items: u32, orders: u32, consigns: u32) -> ShopLoad {
        let n = |v| NonZeroU32::new(v).unwrap();
        ShopLoad {
            items: n(items),
            orders: n(orders),
            consigns: n(consigns),
        }
    }

    fn num(id: &Value) -> u64 {
        id.as_str().unwrap()[1..].parse().unwrap()
    }

    /// Every id is within the load's spread: items among `items`, a pay or
    /// cancel among the last `orders` orders bought, a consign among the last
    /// `consigns` ids minted (one per consign).
    fn check_spread(l: ShopLoad, ops: &[Op]) -> BTreeMap<&str, usize> {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut bought, mut consigns) = (0u64, 0u64);
        for op in ops {
            *count.entry(op.f.as_str()).or_default() += 1;
            let v = &op.value;
            match op.f.as_str() {
                "buy" | "restock" => {
                    if op.f == "buy" {
                        bought += 1;
                        assert_eq!(num(&v["order_id"]), bought, "{op:?}");
                    }
                    assert!(num(&v["item_id"]) < u64::from(l.items.get()), "{op:?}");
                }
                "pay" | "cancel" => {
                    let o = num(&v["order_id"]);
                    assert!(
                        o <= bought && o + u64::from(l.orders.get()) > bought,
                        "{op:?}"
                    );
                }
                "consign" => {
                    consigns += 1;
                    let c = num(&v["item_id"]);
                    assert!(c <= consigns && c + u64::from(l.consigns.get()) > consigns);
                }
                other => panic!("unexpected f {other}"),
            }
        }
        count
    }

    #[test]
    fn ops_stay_within_the_loads_spread() {
        for l in [
            ShopLoad::default(),
            load(1, 1, 1),
            load(3, 3, 2),
            load(500, 40, 30),
        ] {
            let ops = take(&mut *shop(&l).generator, &clients(4), 2_000, 7);
            let count = check_spread(l, &ops);
            for f in ["buy", "pay", "cancel", "consign", "restock"] {
                assert!(count.get(f).copied().unwrap_or(0) > 20, "{f}: {count:?}");
            }
        }
    }

    /// The spread is what decides how often two requests close in time name
    /// one id (a chance race needs that): the default load does it more
    /// often than a wider one, and even a wide one sometimes does.
    #[test]
    fn narrower_loads_repeat_ids_more() {
        // The share of `f` ops naming the id the `f` op just before named.
        let close = |l: ShopLoad, f: &str, key: &str| {
            let ops = take(&mut *shop(&l).generator, &clients(4), 2_000, 11);
            let ids: Vec<String> = ops
                .iter()
                .filter(|o| o.f == f)
                .map(|o| o.value[key].to_string())
                .collect();
            let near = (1..ids.len()).filter(|&i| ids[i - 1] == ids[i]).count();
            near as f64 / ids.len() as f64
        };
        let (wide, default) = (load(64, 32, 32), ShopLoad::default());
        for (f, key) in [
            ("buy", "item_id"),
            ("pay", "order_id"),
            ("consign", "item_id"),
        ] {
            let (w, n) = (close(wide, f, key), close(default, f, key));
            assert!(w > 0.0 && n > 1.5 * w, "{f}: wide {w}, default {n}");
        }
        // With one item, every buy is on it.
        let ops = take(&mut *shop(&load(1, 5, 5)).generator, &clients(2), 300, 3);
        let items: BTreeSet<String> = ops
            .iter()
            .filter(|o| o.f == "buy")
            .map(|o| o.value["item_id"].to_string())
            .collect();
        assert_eq!(items.len(), 1, "{items:?}");
    }

    #[test]
    fn same_seed_same_ops_and_one_final_state_read() {
        let l = ShopLoad::default();
        let a = take(&mut *shop(&l).generator, &clients(3), 300, 4);
        assert_eq!(a, take(&mut *shop(&l).generator, &clients(3), 300, 4));
        assert_ne!(a, take(&mut *shop(&l).generator, &clients(3), 300, 5));
        assert_ne!(
            a,
            take(&mut *shop(&load(3, 3, 2)).generator, &clients(3), 300, 4)
        );
        let fin = drain(&mut *shop(&l).final_generator.unwrap(), &clients(3), 10);
        assert_eq!(
            fin.iter().map(|o| o.f.as_str()).collect::<Vec<_>>(),
            ["state"]
        );
    }

    #[test]
    fn load_options_by_name_and_checked() {
        let l: ShopLoad = serde_json::from_value(json!({"shop-items": 5})).unwrap();
        assert_eq!(
            l,
            ShopLoad {
                items: NonZeroU32::new(5).unwrap(),
                ..ShopLoad::default()
            }
        );
        let keys: Vec<String> = match serde_json::to_value(l).unwrap() {
            Value::Object(m) => m.keys().cloned().collect(),
            _ => unreachable!(),
        };
        let mut names: Vec<String> = LOAD_OPTIONS.iter().map(|s| s.to_string()).collect();
        names.sort();
        assert_eq!(keys, names);
        assert!(serde_json::from_value::<ShopLoad>(json!({"shop-orders": 0})).is_err());
        assert!(serde_json::from_value::<ShopLoad>(json!({"shop-consigns": -1})).is_err());
    }
}

//! The shop workload: requests to the shop's front services (targets/shop,
//! docs/shop.md) on a small hot set of items and orders, so that its three
//! races can happen, and a final read of the whole state, checked against the
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
//! Why the hot set is small: a race needs two requests on one id at once. Buys
//! draw from [`ITEMS`] items; pays and cancels from the last [`ORDER_WINDOW`]
//! orders bought; consigns move to a fresh consignment id every
//! [`CONSIGNS_PER_ID`] consigns. Ids come from the generator's own counters, so
//! the ops are a pure function of the seed.

mod invariants;

pub use invariants::{check_state, ShopInvariants, State, Violation, INVARIANTS};

use crate::Workload;
use rand::Rng;
use rjepsen_checkers::stats::Stats;
use rjepsen_core::checker::Compose;
use rjepsen_core::generator::{Context, GenOp, Generator, Once};
use rjepsen_core::op::Op;
use rjepsen_core::Checker;
use serde_json::{json, Value};

/// This workload's name (`--workload shop`).
pub const NAME: &str = "shop";
/// Items bought from (`i0`, `i1`, ...).
pub const ITEMS: usize = 3;
/// Stock each item gets at setup (the client restocks before the run).
pub const INITIAL_STOCK: i64 = 20;
/// Pays and cancels pick one of the last this many orders.
pub const ORDER_WINDOW: u64 = 3;
/// Consigns of one consignment id before the next.
pub const CONSIGNS_PER_ID: u64 = 3;

/// Builds the shop workload.
pub fn shop() -> Workload {
    let checker = Compose(vec![
        (
            "shop".to_string(),
            Box::new(ShopInvariants) as Box<dyn Checker>,
        ),
        ("stats".to_string(), Box::new(Stats)),
    ]);
    Workload {
        name: NAME.into(),
        generator: Box::new(Requests::default()),
        final_generator: Some(Box::new(Once::new("state", Value::Null))),
        checker: Box::new(checker),
    }
}

/// The main phase's requests; the counters name fresh orders and consignments.
#[derive(Default)]
struct Requests {
    orders: u64,
    consigns: u64,
}

impl Requests {
    fn next(&mut self, ctx: &mut Context) -> (&'static str, Value) {
        let roll = ctx.rng.gen_range(0..100);
        let item = format!("i{}", ctx.rng.gen_range(0..ITEMS));
        match roll {
            0..=34 => {
                self.orders += 1;
                let order = format!("o{}", self.orders);
                ("buy", json!({"order_id": order, "item_id": item, "qty": 1}))
            }
            35..=69 if self.orders > 0 => {
                let back = ctx.rng.gen_range(0..ORDER_WINDOW.min(self.orders));
                let order = format!("o{}", self.orders - back);
                let f = if roll < 55 { "pay" } else { "cancel" };
                (f, json!({"order_id": order}))
            }
            70..=96 => {
                self.consigns += 1;
                let id = format!("c{}", self.consigns / CONSIGNS_PER_ID);
                let seller = format!("s{}", ctx.rng.gen_range(0..4));
                ("consign", json!({"item_id": id, "seller": seller}))
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
    use std::collections::BTreeMap;

    #[test]
    fn ops_hit_a_hot_set_of_ids() {
        let ops = take(&mut *shop().generator, &clients(4), 2_000, 7);
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        let mut bought = std::collections::BTreeSet::new();
        for op in &ops {
            *count.entry(op.f.as_str()).or_default() += 1;
            match op.f.as_str() {
                "buy" => {
                    assert!(bought.insert(op.value["order_id"].to_string()), "{op:?}");
                    let item = op.value["item_id"].as_str().unwrap();
                    assert!((0..ITEMS).any(|i| item == format!("i{i}")), "{item}");
                }
                // A pay or cancel names an order bought already.
                "pay" | "cancel" => {
                    assert!(bought.contains(&op.value["order_id"].to_string()), "{op:?}")
                }
                "consign" | "restock" => {}
                other => panic!("unexpected f {other}"),
            }
        }
        for f in ["buy", "pay", "cancel", "consign", "restock"] {
            assert!(count.get(f).copied().unwrap_or(0) > 20, "{f}: {count:?}");
        }
        // Each consignment id is asked for more than once (the race needs two).
        let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
        for op in ops.iter().filter(|o| o.f == "consign") {
            *per_id.entry(op.value["item_id"].to_string()).or_default() += 1;
        }
        let repeated = per_id.values().filter(|&&n| n >= 2).count();
        assert!(repeated * 2 > per_id.len(), "{per_id:?}");
    }

    #[test]
    fn same_seed_same_ops_and_one_final_state_read() {
        let a = take(&mut *shop().generator, &clients(3), 300, 4);
        assert_eq!(a, take(&mut *shop().generator, &clients(3), 300, 4));
        assert_ne!(a, take(&mut *shop().generator, &clients(3), 300, 5));
        let fin = drain(&mut *shop().final_generator.unwrap(), &clients(3), 10);
        assert_eq!(
            fin.iter().map(|o| o.f.as_str()).collect::<Vec<_>>(),
            ["state"]
        );
    }
}

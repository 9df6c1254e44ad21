//! The shop's invariants, checked on the final state of its databases (read
//! through its services at the end of a run, the `state` op), not on the
//! history: each race leaves a mark in the data that no correct interleaving
//! can, so the final state is enough evidence and names the key that broke.
//!
//! - `stock`: no item has less than zero left, nor sold more than it was
//!   stocked, nor more left than stocked minus sold (a lost update of the stock
//!   leaves exactly that: two buys both counted, one decrement kept);
//! - `consignment`: no item is consigned twice (check-then-insert);
//! - `payment`: no order ends both paid and cancelled: an order cancelled with a
//!   charge not refunded, paid although its cancel was acknowledged, or charged
//!   twice (pay against cancel, or pay against pay).

use rjepsen_core::checker::{CheckContext, CheckResult, Checker, Valid};
use rjepsen_core::history::History;
use rjepsen_core::op::OpType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The invariants' names, as results.json and the report print them.
pub const INVARIANTS: [&str; 3] = ["stock", "consignment", "payment"];

/// The shop's state as its services' list endpoints return it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub stock: Vec<Stock>,
    pub orders: Vec<Order>,
    pub consignments: Vec<Consignment>,
    pub payments: Vec<Payment>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stock {
    pub item_id: String,
    pub stocked: i64,
    pub quantity: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    pub item_id: String,
    pub qty: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Consignment {
    pub item_id: String,
    pub seller: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub order_id: String,
    pub state: String,
    pub charges: i64,
    pub refunds: i64,
    pub cancels: i64,
}

/// One broken invariant: which, on what key, and the numbers that show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub invariant: String,
    pub key: String,
    pub detail: String,
}

fn violation(invariant: usize, key: &str, detail: String) -> Violation {
    Violation {
        invariant: INVARIANTS[invariant].to_string(),
        key: key.to_string(),
        detail,
    }
}

/// Every broken invariant of `state`, in invariant then key order.
pub fn check_state(state: &State) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut sold: BTreeMap<&str, i64> = BTreeMap::new();
    for o in &state.orders {
        *sold.entry(o.item_id.as_str()).or_default() += o.qty;
    }
    for s in &state.stock {
        let sold = sold.get(s.item_id.as_str()).copied().unwrap_or(0);
        if s.quantity < 0 || sold > s.stocked || s.quantity + sold > s.stocked {
            let detail = format!(
                "stocked {}, sold {sold}, left {} (left + sold must not exceed stocked)",
                s.stocked, s.quantity
            );
            out.push(violation(0, &s.item_id, detail));
        }
    }
    let mut sellers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &state.consignments {
        sellers.entry(&c.item_id).or_default().push(&c.seller);
    }
    for (item, who) in sellers.iter().filter(|(_, who)| who.len() > 1) {
        out.push(violation(
            1,
            item,
            format!("consigned {} times: {}", who.len(), who.join(", ")),
        ));
    }
    for p in &state.payments {
        if let Some(why) = payment_problem(p) {
            let detail = format!(
                "{why}: state {}, charges {}, refunds {}, cancels {}",
                p.state, p.charges, p.refunds, p.cancels
            );
            out.push(violation(2, &p.order_id, detail));
        }
    }
    out
}

fn payment_problem(p: &Payment) -> Option<&'static str> {
    let kept = p.charges - p.refunds;
    match p.state.as_str() {
        _ if p.charges > 1 => Some("charged more than once"),
        "paid" if p.cancels > 0 => Some("paid although its cancel was acknowledged"),
        "paid" if kept != 1 => Some("paid without exactly one charge kept"),
        "cancelled" if kept != 0 => Some("cancelled with a charge not refunded"),
        "open" if p.charges > 0 || p.cancels > 0 => Some("open after a charge or a cancel"),
        "paid" | "cancelled" | "open" => None,
        _ => Some("unknown state"),
    }
}

/// The checker: the last ok `state` read of the history against the invariants.
pub struct ShopInvariants;

impl Checker for ShopInvariants {
    fn check(&self, _ctx: &CheckContext, history: &History) -> CheckResult {
        let last = history
            .ops
            .iter()
            .rev()
            .find(|o| o.kind == OpType::Ok && o.f == "state");
        let Some(op) = last else {
            return CheckResult::unknown("no final state read (no ok `state` op)");
        };
        let state: State = match serde_json::from_value(op.value.clone()) {
            Ok(s) => s,
            Err(e) => {
                return CheckResult::unknown(format!("the state read at index {}: {e}", op.index))
            }
        };
        let found = check_state(&state);
        let valid = if found.is_empty() {
            Valid::Valid
        } else {
            Valid::Invalid
        };
        let mut by: BTreeMap<&str, usize> = INVARIANTS.iter().map(|i| (*i, 0)).collect();
        for v in &found {
            *by.entry(INVARIANTS.iter().find(|i| **i == v.invariant).unwrap())
                .or_default() += 1;
        }
        CheckResult::new(valid)
            .with(
                "violations",
                serde_json::to_value(&found).unwrap_or_default(),
            )
            .with("broken", serde_json::to_value(by).unwrap_or_default())
            .with("items", state.stock.len())
            .with("orders", state.orders.len())
    }
}

#[cfg(test)]
mod tests;

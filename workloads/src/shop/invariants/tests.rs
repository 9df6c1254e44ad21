//! Hand-made states: one the correct shop can reach must pass; each planted
//! violation must be flagged with its invariant and key, and only it.

use super::*;
use rjepsen_core::op::{Op, Process};
use serde_json::json;

fn stock(item: &str, stocked: i64, quantity: i64) -> Stock {
    Stock {
        item_id: item.into(),
        stocked,
        quantity,
    }
}
fn order(id: &str, item: &str) -> Order {
    Order {
        order_id: id.into(),
        item_id: item.into(),
        qty: 1,
    }
}
fn pay(id: &str, state: &str, charges: i64, refunds: i64, cancels: i64) -> Payment {
    Payment {
        order_id: id.into(),
        state: state.into(),
        charges,
        refunds,
        cancels,
    }
}
fn consign(item: &str, seller: &str) -> Consignment {
    Consignment {
        item_id: item.into(),
        seller: seller.into(),
    }
}

/// Reachable by a correct shop: 3 of 5 sold, one order paid, one paid and then
/// cancelled with its refund, one cancelled before paying, one open; a buy whose
/// order insert failed after taking stock leaves less, which is allowed.
fn good() -> State {
    State {
        stock: vec![stock("i0", 5, 2), stock("i1", 4, 3)],
        orders: vec![order("o1", "i0"), order("o2", "i0"), order("o3", "i0")],
        consignments: vec![consign("c0", "s1"), consign("c1", "s1")],
        payments: vec![
            pay("o1", "paid", 1, 0, 0),
            pay("o2", "cancelled", 1, 1, 1),
            pay("o3", "cancelled", 0, 0, 1),
            pay("o4", "open", 0, 0, 0),
        ],
    }
}

#[test]
fn a_reachable_state_breaks_nothing() {
    assert_eq!(check_state(&good()), vec![]);
}

#[test]
fn each_planted_violation_is_flagged_alone() {
    type Plant = (&'static str, &'static str, fn(&mut State));
    let plants: &[Plant] = &[
        ("stock", "i0", |s| s.stock[0].quantity = 3), // lost update: 3 sold, 3 left of 5
        ("stock", "i1", |s| s.stock[1].quantity = -1),
        ("stock", "i0", |s| {
            s.orders
                .extend([order("o8", "i0"), order("o9", "i0"), order("o7", "i0")])
        }),
        ("consignment", "c1", |s| {
            s.consignments.push(consign("c1", "s2"))
        }),
        ("payment", "o1", |s| s.payments[0].cancels = 1), // paid after its cancel
        ("payment", "o2", |s| s.payments[1].refunds = 0), // cancelled, charge kept
        ("payment", "o1", |s| s.payments[0].charges = 2),
        ("payment", "o4", |s| s.payments[3].charges = 1),
        ("payment", "o4", |s| s.payments[3].state = "lost".into()),
    ];
    for (invariant, key, plant) in plants {
        let mut s = good();
        plant(&mut s);
        let found = check_state(&s);
        assert_eq!(found.len(), 1, "{invariant} {key}: {found:?}");
        assert_eq!(
            (found[0].invariant.as_str(), found[0].key.as_str()),
            (*invariant, *key)
        );
    }
}

fn history_with(state: Option<serde_json::Value>) -> History {
    let mut ops = vec![];
    if let Some(v) = state {
        let inv = Op::invoke(Process::Client(0), "state", serde_json::Value::Null);
        let mut ok = inv.ok();
        ok.value = v;
        ops = vec![inv, ok];
    }
    for (i, op) in ops.iter_mut().enumerate() {
        op.index = i as u64;
    }
    History::new(ops)
}

#[test]
fn the_checker_reads_the_final_state_read() {
    let ctx = CheckContext::default();
    let ok = ShopInvariants.check(
        &ctx,
        &history_with(Some(serde_json::to_value(good()).unwrap())),
    );
    assert_eq!(ok.valid, Valid::Valid, "{ok:?}");
    let mut bad = good();
    bad.consignments.push(consign("c0", "s3"));
    let r = ShopInvariants.check(
        &ctx,
        &history_with(Some(serde_json::to_value(bad).unwrap())),
    );
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["broken"]["consignment"], 1);
    assert_eq!(r.details["violations"][0]["key"], "c0");
    assert_eq!(
        ShopInvariants.check(&ctx, &history_with(None)).valid,
        Valid::Unknown
    );
    let garbled = ShopInvariants.check(&ctx, &history_with(Some(json!({"stock": 3}))));
    assert_eq!(garbled.valid, Valid::Unknown, "{garbled:?}");
}

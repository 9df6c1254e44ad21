//! The response-difference checker for the serial schedules: a pair whose
//! responses depend on the order it ran in (A;B vs B;A) is order-dependent. That
//! is a property of the pair, not a bug; invariant checkers decide what broke.

use crate::schedule::{Attempt, Both};
use serde::Serialize;
use std::collections::BTreeMap;

/// One side's response in each serial order: (status, body).
pub type Seen = (Option<u16>, String);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderDependence {
    pub pair: usize,
    pub order_dependent: bool,
    /// Per side, what it got when A ran first and when B ran first, if they differ.
    pub differences: BTreeMap<String, Both<Seen>>,
}

fn seen(a: &Attempt, side_a: bool) -> Seen {
    let r = if side_a {
        &a.responses.a
    } else {
        &a.responses.b
    };
    (r.status, r.body.clone())
}

/// One result per pair that has both serial attempts.
pub fn order_dependence(attempts: &[Attempt]) -> Vec<OrderDependence> {
    let mut by_pair: BTreeMap<usize, (Option<&Attempt>, Option<&Attempt>)> = BTreeMap::new();
    for a in attempts {
        let e = by_pair.entry(a.pair).or_default();
        match a.schedule.as_str() {
            "serial_a_b" => e.0 = Some(a),
            "serial_b_a" => e.1 = Some(a),
            _ => {}
        }
    }
    by_pair
        .into_iter()
        .filter_map(|(pair, (ab, ba))| {
            let (ab, ba) = (ab?, ba?);
            let mut differences = BTreeMap::new();
            for (name, side_a) in [("a", true), ("b", false)] {
                let both = Both {
                    a: seen(ab, side_a),
                    b: seen(ba, side_a),
                };
                if both.a != both.b {
                    differences.insert(name.to_string(), both);
                }
            }
            Some(OrderDependence {
                pair,
                order_dependent: !differences.is_empty(),
                differences,
            })
        })
        .collect()
}

//! Fresh requests for each attempt of a candidate pair (the shop's
//! `RequestSource`).
//!
//! A pair's recorded root requests name ids of the observe phase (item `i1`,
//! order `o5`), whose state the rest of that phase already changed. Replaying
//! them would start each attempt from a different, unknown state. Instead each
//! attempt `n` gets ids of its own, shared by both sides where the recorded
//! pair shared one: item `xi{n}` (restocked with [`FRESH_STOCK`] before the
//! attempt), order `xo{n}` (bought before it, so its payment is `open`) for
//! pays and cancels, buys' own orders `xo{n}a` / `xo{n}b`, consignment id
//! `xc{n}`. So every attempt, serial or overlapping, starts from the same
//! known state on its own rows, which is what MicroRacer's database restore
//! between the two serial orders buys, without stopping the shop (the other
//! rows are never read by the attempt, nor by its check).

use crate::http::{request, Answer};
use crate::layout::{Layout, Role};
use rjepsen_core::addr::AddrBook;
use rjepsen_interleave::client::HttpRequest;
use rjepsen_interleave::pairs::{url_path, CandidatePair, Root, StepRef};
use rjepsen_interleave::requests::{RequestSource, Side};
use rjepsen_workloads::shop::State;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// The stock of an attempt's fresh item: two buys of one each fit, so a buy
/// refused is no race, and a lost update shows as left + sold > stocked.
pub const FRESH_STOCK: i64 = 2;

/// What a recorded root request was, by its service, method and path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKind {
    Buy,
    Pay,
    Cancel,
    Consign,
    Restock,
    /// Anything else (a read): sent again as recorded, to the same service.
    Other,
}

impl RootKind {
    pub fn of(root: &Root) -> RootKind {
        let path = url_path(&root.url);
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (root.method.as_str(), root.service.as_str(), segs.as_slice()) {
            ("POST", "orders", ["buy"]) => RootKind::Buy,
            ("POST", "orders", ["orders", _, "pay"]) => RootKind::Pay,
            ("POST", "orders", ["orders", _, "cancel"]) => RootKind::Cancel,
            ("POST", "consign", ["consign"]) => RootKind::Consign,
            ("POST", "inventory", ["stock", _, "restock"]) => RootKind::Restock,
            _ => RootKind::Other,
        }
    }

    /// Whether the attempt needs an open order bought first.
    fn needs_order(self) -> bool {
        matches!(self, RootKind::Pay | RootKind::Cancel)
    }
}

/// The ids of attempt `n`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fresh {
    pub item: String,
    pub order: String,
    pub consignment: String,
}

impl Fresh {
    pub fn of(n: usize) -> Fresh {
        Fresh {
            item: format!("xi{n}"),
            order: format!("xo{n}"),
            consignment: format!("xc{n}"),
        }
    }

    /// Whether `id` is one of this attempt's (a buy's order is `xo{n}a`/`b`).
    fn owns_order(&self, id: &str) -> bool {
        id == self.order
            || id
                .strip_prefix(&self.order)
                .is_some_and(|s| s == "a" || s == "b")
    }
}

/// The shop's front and back addresses, as the (proxied) book gives them.
#[derive(Clone, Debug)]
pub struct ShopSource {
    orders: SocketAddr,
    consign: SocketAddr,
    inventory: SocketAddr,
    payments: SocketAddr,
}

fn side_name(side: Side) -> &'static str {
    if side == Side::A {
        "a"
    } else {
        "b"
    }
}

/// A path with every segment that holds a digit (an id) as `*`: a hold rule
/// on this attempt's hop, whatever its fresh ids (the trace id tells attempts apart).
pub fn path_pattern(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.bytes().any(|b| b.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl ShopSource {
    pub fn new(nodes: &[String], book: &AddrBook) -> Result<ShopSource, String> {
        let layout = Layout::of(nodes)?;
        let at = |r: Role| layout.dial(book, r).map_err(|e| e.to_string());
        Ok(ShopSource {
            orders: at(Role::Orders)?,
            consign: at(Role::Consign)?,
            inventory: at(Role::Inventory)?,
            payments: at(Role::Payments)?,
        })
    }

    fn service(&self, name: &str) -> SocketAddr {
        match name {
            "consign" => self.consign,
            "inventory" => self.inventory,
            "payments" => self.payments,
            _ => self.orders,
        }
    }

    /// The fresh request for a root of `kind` on side `side` of attempt `n`.
    fn fresh(
        &self,
        root: &Root,
        kind: RootKind,
        side: Side,
        n: usize,
    ) -> (SocketAddr, String, Value) {
        let f = Fresh::of(n);
        let s = side_name(side);
        match kind {
            RootKind::Buy => (
                self.orders,
                "/buy".into(),
                json!({"order_id": format!("{}{s}", f.order), "item_id": f.item, "qty": 1}),
            ),
            RootKind::Pay => (self.orders, format!("/orders/{}/pay", f.order), Value::Null),
            RootKind::Cancel => (
                self.orders,
                format!("/orders/{}/cancel", f.order),
                Value::Null,
            ),
            RootKind::Consign => (
                self.consign,
                "/consign".into(),
                json!({"item_id": f.consignment, "seller": format!("seller-{s}")}),
            ),
            RootKind::Restock => (
                self.inventory,
                format!("/stock/{}/restock", f.item),
                json!({"qty": 1}),
            ),
            RootKind::Other => (
                self.service(&root.service),
                url_path(&root.url),
                Value::Null,
            ),
        }
    }

    /// Puts attempt `n`'s fresh rows in place: its item stocked, and an open
    /// order when a side pays or cancels. A refusal is an error naming the request.
    pub async fn prepare(&self, pair: &CandidatePair, n: usize) -> Result<(), String> {
        let f = Fresh::of(n);
        let restock = format!("/stock/{}/restock", f.item);
        let body = json!({"qty": FRESH_STOCK});
        expect_ok(
            request(self.inventory, "POST", &restock, Some(&body)).await,
            &restock,
        )?;
        let kinds = [RootKind::of(&pair.roots.a), RootKind::of(&pair.roots.b)];
        if kinds.iter().any(|k| k.needs_order()) {
            let body = json!({"order_id": f.order, "item_id": f.item, "qty": 1});
            expect_ok(
                request(self.orders, "POST", "/buy", Some(&body)).await,
                "/buy",
            )?;
        }
        Ok(())
    }

    /// The state of attempt `n`'s rows only (its item, orders, consignment
    /// and payments), read through the services' list endpoints.
    pub async fn observe(&self, n: usize) -> Result<State, String> {
        let mut tables = serde_json::Map::new();
        for (key, to, path) in [
            ("stock", self.inventory, "/stock"),
            ("orders", self.orders, "/orders"),
            ("consignments", self.inventory, "/consignments"),
            ("payments", self.payments, "/payments"),
        ] {
            let answer = expect_ok(request(to, "GET", path, None).await, path)?;
            tables.insert(key.into(), answer.body);
        }
        let all: State = serde_json::from_value(Value::Object(tables))
            .map_err(|e| format!("the shop's state: {e}"))?;
        Ok(only_attempt(all, &Fresh::of(n)))
    }
}

fn expect_ok(
    answer: Result<Answer, rjepsen_core::op_client::OpError>,
    what: &str,
) -> Result<Answer, String> {
    match answer {
        Ok(a) if (200..300).contains(&a.status) => Ok(a),
        Ok(a) => Err(format!("{what}: {} {}", a.status, a.body)),
        Err(e) => Err(format!("{what}: {e:?}")),
    }
}

/// The rows of one attempt's fresh ids.
pub fn only_attempt(mut s: State, f: &Fresh) -> State {
    s.stock.retain(|x| x.item_id == f.item);
    s.orders
        .retain(|o| o.item_id == f.item || f.owns_order(&o.order_id));
    s.consignments.retain(|c| c.item_id == f.consignment);
    s.payments.retain(|p| f.owns_order(&p.order_id));
    s
}

impl RequestSource for ShopSource {
    fn request(&self, pair: &CandidatePair, side: Side, attempt: usize) -> HttpRequest {
        let root = match side {
            Side::A => &pair.roots.a,
            Side::B => &pair.roots.b,
        };
        let (to, path, body) = self.fresh(root, RootKind::of(root), side, attempt);
        let (headers, body) = if body.is_null() {
            (Vec::new(), String::new())
        } else {
            let h = vec![("Content-Type".to_string(), "application/json".to_string())];
            (h, body.to_string())
        };
        HttpRequest {
            method: root.method.clone(),
            url: format!("http://{to}{path}"),
            headers,
            body,
        }
    }

    fn step_match(&self, step: &StepRef, _attempt: usize) -> (String, String) {
        (step.http_method.clone(), path_pattern(&step.path()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(method: &str, service: &str, url: &str) -> Root {
        Root {
            method: method.into(),
            url: url.into(),
            body: String::new(),
            service: service.into(),
        }
    }

    #[test]
    fn roots_are_known_by_service_method_and_path() {
        for (m, svc, url, kind) in [
            ("POST", "orders", "http://h:1/buy", RootKind::Buy),
            ("POST", "orders", "http://h:1/orders/o5/pay", RootKind::Pay),
            ("POST", "orders", "/orders/o5/cancel", RootKind::Cancel),
            ("POST", "consign", "http://h:2/consign", RootKind::Consign),
            (
                "POST",
                "inventory",
                "http://h:3/stock/i1/restock",
                RootKind::Restock,
            ),
            ("GET", "inventory", "http://h:3/stock", RootKind::Other),
            ("POST", "payments", "http://h:3/buy", RootKind::Other),
            ("POST", "orders", "", RootKind::Other),
        ] {
            assert_eq!(RootKind::of(&root(m, svc, url)), kind, "{m} {svc} {url}");
        }
    }

    #[test]
    fn id_segments_become_wildcards() {
        assert_eq!(path_pattern("/stock/i1"), "/stock/*");
        assert_eq!(path_pattern("/payments/xo12/charge"), "/payments/*/charge");
        assert_eq!(path_pattern("/consignments"), "/consignments");
    }

    #[test]
    fn an_attempt_sees_only_its_own_rows() {
        let stock = |i: &str| json!({"item_id": i, "stocked": 2, "quantity": 1});
        let order = |o: &str, i: &str| json!({"order_id": o, "item_id": i, "qty": 1});
        let pay = |o: &str| json!({"order_id": o, "state": "open", "charges": 0, "refunds": 0, "cancels": 0});
        let state = |v: Value| -> State { serde_json::from_value(v).unwrap() };
        let all = state(json!({
            "stock": [stock("xi3"), stock("xi30"), stock("i1")],
            "orders": [order("xo3a", "xi3"), order("xo30", "xi30"), order("o1", "i1")],
            "consignments": [{"item_id": "xc3", "seller": "s"}, {"item_id": "xc33", "seller": "s"}],
            "payments": [pay("xo3"), pay("xo3b"), pay("xo31"), pay("o1")],
        }));
        let want = state(json!({
            "stock": [stock("xi3")],
            "orders": [order("xo3a", "xi3")],
            "consignments": [{"item_id": "xc3", "seller": "s"}],
            "payments": [pay("xo3"), pay("xo3b")],
        }));
        assert_eq!(only_attempt(all, &Fresh::of(3)), want);
    }
}

//! The shop workload's client (`rjepsen_workloads::shop`): each op is one HTTP
//! request to the service the shop's users call, at the address the test's
//! book gives (`layout`), so a proxy on that hop sees it.
//!
//! What an answer means follows the shop's own contract: 2xx is `ok`; 404 and
//! the other 4xx are refusals before anything changed (`fail`: out of stock,
//! already consigned, a stale payment state); a 5xx (a 502 is a hop behind the
//! front that failed, possibly after an earlier hop wrote) or a broken
//! connection may have taken effect. Core's rule (`op_client::completion`)
//! makes those `fail` and `info`, and a timeout `info` for a write.

use crate::http::{request, Answer};
use crate::layout::{Layout, Role};
use crate::options::ShopOptions;
use async_trait::async_trait;
use rjepsen_core::client::{Client, ClientError};
use rjepsen_core::db::DbOptions;
use rjepsen_core::op::Op;
use rjepsen_core::op_client::{completion, OpError, Outcome};
use rjepsen_core::test::Test;
use rjepsen_workloads::shop::INITIAL_STOCK;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::time::Duration;

/// The addresses a client dials.
#[derive(Clone, Debug)]
struct Dial {
    orders: SocketAddr,
    consign: SocketAddr,
    inventory: SocketAddr,
    payments: SocketAddr,
}

/// A template until opened; then a client with its addresses.
#[derive(Clone, Debug, Default)]
pub struct ShopClient {
    dial: Option<Dial>,
    timeout: Duration,
}

fn client_error(node: &str, action: &str, message: impl Into<String>) -> ClientError {
    ClientError {
        node: node.to_string(),
        action: action.to_string(),
        message: message.into(),
    }
}

/// What a status means, as the module's docs say.
fn judge(a: Answer, what: &str) -> Result<Value, OpError> {
    match a.status {
        200..=299 => Ok(a.body),
        400..=499 => Err(OpError::NotApplied(format!(
            "{what}: {} {}",
            a.status, a.body
        ))),
        _ => Err(OpError::Unknown(format!("{what}: {} {}", a.status, a.body))),
    }
}

fn field<'a>(op: &'a Op, name: &str) -> Result<&'a str, OpError> {
    op.value
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| OpError::NotApplied(format!("malformed {} op: no string {name:?}", op.f)))
}

impl ShopClient {
    async fn call(
        &self,
        to: SocketAddr,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, OpError> {
        judge(
            request(to, method, path, body).await?,
            &format!("{method} {path}"),
        )
    }

    /// Every service's tables, as `invariants::State` reads them.
    async fn state(&self, d: &Dial) -> Result<Value, OpError> {
        let mut out = Map::new();
        for (key, to, path) in [
            ("stock", d.inventory, "/stock"),
            ("orders", d.orders, "/orders"),
            ("consignments", d.inventory, "/consignments"),
            ("payments", d.payments, "/payments"),
        ] {
            out.insert(key.into(), self.call(to, "GET", path, None).await?);
        }
        Ok(Value::Object(out))
    }

    async fn apply(&self, op: &Op) -> Result<Value, OpError> {
        let d = self.dial.as_ref().expect("opened clients have addresses");
        let v = Some(&op.value);
        match op.f.as_str() {
            "buy" => self.call(d.orders, "POST", "/buy", v).await,
            "pay" | "cancel" => {
                let path = format!("/orders/{}/{}", field(op, "order_id")?, op.f);
                self.call(d.orders, "POST", &path, None).await
            }
            "consign" => self.call(d.consign, "POST", "/consign", v).await,
            "restock" => {
                let path = format!("/stock/{}/restock", field(op, "item_id")?);
                self.call(d.inventory, "POST", &path, v).await
            }
            "state" => self.state(d).await,
            other => Err(OpError::NotApplied(format!("the shop has no op {other:?}"))),
        }
    }
}

#[async_trait]
impl Client for ShopClient {
    async fn open(&self, test: &Test, node: &str) -> Result<Box<dyn Client>, ClientError> {
        let layout =
            Layout::of_test(test).map_err(|e| client_error(node, "open a shop client", e))?;
        let at = |r: Role| {
            layout
                .dial(&test.addrs, r)
                .map_err(|e| client_error(node, "open a shop client", e.to_string()))
        };
        let timeout = test
            .options
            .get("op-timeout")
            .and_then(Value::as_f64)
            .unwrap_or(5.0);
        Ok(Box::new(ShopClient {
            dial: Some(Dial {
                orders: at(Role::Orders)?,
                consign: at(Role::Consign)?,
                inventory: at(Role::Inventory)?,
                payments: at(Role::Payments)?,
            }),
            timeout: Duration::from_secs_f64(timeout),
        }))
    }

    /// Stocks the items the workload buys from (`--shop-items` of this
    /// test's options, `INITIAL_STOCK` each).
    async fn setup(&mut self, test: &Test) -> Result<(), ClientError> {
        let d = self.dial.clone().expect("opened");
        for item in ShopOptions::of(test).load.item_names() {
            let body = json!({"qty": INITIAL_STOCK});
            let path = format!("/stock/{item}/restock");
            self.call(d.inventory, "POST", &path, Some(&body))
                .await
                .map_err(|e| {
                    client_error(&d.inventory.to_string(), "stock the shop", e.to_string())
                })?;
        }
        Ok(())
    }

    async fn invoke(&mut self, _test: &Test, op: &Op) -> Op {
        let read = op.f == "state";
        let outcome = match tokio::time::timeout(self.timeout, self.apply(op)).await {
            Ok(done) => Outcome::Done(done.map(|v| if read { v } else { op.value.clone() })),
            Err(_) => Outcome::TimedOut(self.timeout),
        };
        completion(op, read, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_mean_what_the_shop_promises() {
        let a = |status| Answer {
            status,
            body: json!({"error": "x"}),
        };
        assert!(judge(a(201), "buy").is_ok());
        assert!(matches!(judge(a(409), "buy"), Err(OpError::NotApplied(_))));
        assert!(matches!(judge(a(404), "pay"), Err(OpError::NotApplied(_))));
        assert!(matches!(judge(a(502), "buy"), Err(OpError::Unknown(_))));
        assert!(matches!(judge(a(500), "consign"), Err(OpError::Unknown(_))));
    }
}

//! Clients in tests: open a database's client for a workload, send it one op,
//! and a test of one node on loopback (a server the test started itself).

use rjepsen_core::addr::{AddrBook, NodeAddrs};
use rjepsen_core::client::Client;
use rjepsen_core::control::LocalRemote;
use rjepsen_core::op::{Op, Process};
use rjepsen_core::serve::{pick, Served};
use rjepsen_core::test::Test;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Opens `db`'s client of `workload` (from the adapter's `served()`) on `node`.
pub async fn open(
    db: &str,
    served: Vec<Served>,
    workload: &str,
    test: &Test,
    node: &str,
) -> Box<dyn Client> {
    let template = pick(db, served, workload).unwrap_or_else(|e| panic!("{e}"));
    template
        .open(test, node)
        .await
        .unwrap_or_else(|e| panic!("failed to open {db}'s {workload} client on {node}: {e}"))
}

/// Invokes `f` with `value` as client process 0 and returns the completion.
pub async fn call(c: &mut Box<dyn Client>, test: &Test, f: &str, value: Value) -> Op {
    c.invoke(test, &Op::invoke(Process::Client(0), f, value))
        .await
}

/// A test named `name` of one node, `n1`, at 127.0.0.1:`port` (commands run
/// here), with `concurrency` workers and `options`.
pub fn loopback_test(
    name: &str,
    port: u16,
    concurrency: usize,
    options: Map<String, Value>,
) -> Test {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    Test {
        name: name.into(),
        nodes: vec!["n1".into()],
        concurrency,
        seed: 0,
        remote: Arc::new(LocalRemote::new()),
        store_dir: std::env::temp_dir(),
        addrs: AddrBook::new(vec![NodeAddrs::at("n1", addr, 0)]),
        options,
    }
}

//! End to end: the racy shop (front → inventory, read-then-write of a stock
//! count) behind two HTTP-mode proxies, the pairs from its traces, every
//! schedule. An overlap schedule must produce the lost update (two buys, stock
//! down by one), the serial orders must not, and the serial responses must be
//! reported as order-dependent.

use super::traces::candidates;
use rjepsen_interleave::hooks::Commands;
use rjepsen_interleave::{run_cli, ProxyArg, RunConfig, Timeouts};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

const INVENTORY: u16 = 22611;
const INVENTORY_PROXY: u16 = 22612;
const FRONT: u16 = 22613;
const FRONT_PROXY: u16 = 22614;

fn app(args: &[String]) -> Child {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/app/racy_shop.py");
    Command::new("python3")
        .arg(script)
        .args(args)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs")
}

async fn ready(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("port {port} never opened");
}

fn proxy(name: &str, listen: u16, upstream: u16) -> ProxyArg {
    ProxyArg::parse(&format!("{name}=127.0.0.1:{listen}=127.0.0.1:{upstream}")).unwrap()
}

/// The stock the observe hook printed after an attempt.
fn stock(a: &Value) -> i64 {
    let text = a["observed"].as_str().expect("observed");
    serde_json::from_str::<Value>(text).unwrap()["qty"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlap_schedule_loses_an_update_and_the_serial_orders_do_not() {
    let dir = std::env::temp_dir().join(format!("rjepsen-interleave-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pairs = candidates(&dir);
    let _inventory = app(&["inventory".into(), INVENTORY.to_string()]);
    let inv_url = format!("http://127.0.0.1:{INVENTORY_PROXY}");
    let _front = app(&["front".into(), FRONT.to_string(), inv_url]);
    ready(INVENTORY).await;
    ready(FRONT).await;
    let inv = format!("http://127.0.0.1:{INVENTORY}");
    let config = RunConfig {
        pairs,
        base_url: format!("http://127.0.0.1:{FRONT_PROXY}"),
        proxies: vec![
            proxy("inventory", INVENTORY_PROXY, INVENTORY),
            proxy("front", FRONT_PROXY, FRONT),
        ],
        hooks: Commands {
            snapshot: None,
            restore: Some(format!("curl -sf -X POST {inv}/reset")),
            observe: Some(format!("curl -sf {inv}/stock/7")),
        },
        seed: 7,
        out: dir.join("out"),
        timeouts: Timeouts {
            wait: Duration::from_secs(3),
            ..Timeouts::default()
        },
    };
    let summary = run_cli(&config).await.expect("the run completes");
    assert_eq!((summary.pairs, summary.attempts), (3, 18));
    let text = std::fs::read_to_string(dir.join("out/attempts.jsonl")).unwrap();
    let attempts: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for a in &attempts {
        let name = a["schedule"].as_str().unwrap();
        assert_eq!(a["achieved"], Value::Bool(true), "{name}: {}", a["note"]);
        assert_eq!(a["responses"]["a"]["status"], 200, "{name}");
        assert_eq!(a["responses"]["b"]["status"], 200, "{name}");
        if name.starts_with("serial") {
            assert_eq!(
                stock(a),
                8,
                "{name} of pair {}: serial buys must both count",
                a["pair"]
            );
        }
    }
    // Every pair has an overlap schedule that loses one of the two buys.
    for pair in 0..3 {
        let lost = attempts
            .iter()
            .filter(|a| a["pair"] == pair && a["schedule"].as_str().unwrap().ends_with("completed"))
            .filter(|a| stock(a) == 9)
            .count();
        assert!(
            lost >= 1,
            "pair {pair}: no overlap schedule lost the update"
        );
    }
    let order: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/order.json")).unwrap())
            .unwrap();
    let dependent = order
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["order_dependent"] == true)
        .count();
    assert_eq!(
        dependent, 3,
        "the first buy sees 9, the second 8, whichever runs first: {order}"
    );
    assert_eq!(summary.order_dependent, 3);
}

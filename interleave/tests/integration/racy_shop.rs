//! End to end: the racy shop (front → inventory, read-then-write of a stock
//! count) behind two HTTP-mode proxies, the pairs from its traces, every
//! schedule. An overlap schedule must produce the lost update (two buys, stock
//! down by one), the serial orders must not, and the serial responses must be
//! reported as order-dependent. The fixed shop (one atomic take) loses nothing,
//! and its overlap schedules, whose recorded steps it no longer makes, are
//! recorded as not achieved.

use super::traces::candidates;
use rjepsen_interleave::hooks::Commands;
use rjepsen_interleave::{run_cli, ProxyArg, RunConfig, Summary, Timeouts};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

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

/// Runs the shop on ports `base..base+4` (inventory, its proxy, front, its
/// proxy) and every schedule of its pairs; the summary and the attempts. A hold
/// that is never matched costs `wait`.
async fn run_shop(base: u16, fixed: bool, wait: Duration) -> (Summary, Vec<Value>) {
    let (inventory, inventory_proxy, front, front_proxy) = (base, base + 1, base + 2, base + 3);
    let dir =
        std::env::temp_dir().join(format!("rjepsen-interleave-{}-{base}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pairs = candidates(&dir);
    let _inventory = app(&["inventory".into(), inventory.to_string()]);
    let mut front_args = vec![
        "front".into(),
        front.to_string(),
        format!("http://127.0.0.1:{inventory_proxy}"),
    ];
    if fixed {
        front_args.push("--fixed".into());
    }
    let _front = app(&front_args);
    ready(inventory).await;
    ready(front).await;
    let inv = format!("http://127.0.0.1:{inventory}");
    let config = RunConfig {
        pairs,
        base_url: format!("http://127.0.0.1:{front_proxy}"),
        proxies: vec![
            proxy("inventory", inventory_proxy, inventory),
            proxy("front", front_proxy, front),
        ],
        hooks: Commands {
            snapshot: None,
            restore: Some(format!("curl -sf -X POST {inv}/reset")),
            observe: Some(format!("curl -sf {inv}/stock/7")),
        },
        seed: 7,
        out: dir.join("out"),
        timeouts: Timeouts {
            wait,
            ..Timeouts::default()
        },
    };
    let summary = run_cli(&config).await.expect("the run completes");
    let text = std::fs::read_to_string(dir.join("out/attempts.jsonl")).unwrap();
    let attempts = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (summary, attempts)
}

fn name(a: &Value) -> &str {
    a["schedule"].as_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlap_schedule_loses_an_update_and_the_serial_orders_do_not() {
    let (summary, attempts) = run_shop(22611, false, Duration::from_secs(3)).await;
    assert_eq!(
        (summary.pairs, summary.attempts, summary.achieved),
        (3, 18, 18)
    );
    for a in &attempts {
        assert_eq!(
            a["achieved"],
            Value::Bool(true),
            "{}: {}",
            name(a),
            a["note"]
        );
        assert_eq!(a["responses"]["a"]["status"], 200, "{}", name(a));
        assert_eq!(a["responses"]["b"]["status"], 200, "{}", name(a));
        if name(a).starts_with("serial") {
            assert_eq!(
                stock(a),
                8,
                "{} of pair {}: serial buys must both count",
                name(a),
                a["pair"]
            );
        }
    }
    // Every pair has an overlap schedule that loses one of the two buys.
    for pair in 0..3 {
        let lost = attempts
            .iter()
            .filter(|a| a["pair"] == pair && name(a).ends_with("completed") && stock(a) == 9)
            .count();
        assert!(
            lost >= 1,
            "pair {pair}: no overlap schedule lost the update"
        );
    }
    // The first buyer sees 9, the second 8, whichever runs first.
    assert_eq!(summary.order_dependent, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixed_shop_loses_nothing_and_unmatched_holds_are_not_achieved() {
    let (summary, attempts) = run_shop(22621, true, Duration::from_millis(250)).await;
    assert_eq!(
        (summary.attempts, summary.achieved),
        (18, 6),
        "only the serial attempts"
    );
    for a in &attempts {
        assert_eq!(stock(a), 8, "{} of pair {}", name(a), a["pair"]);
        if name(a).starts_with("hold") {
            assert_eq!(a["achieved"], Value::Bool(false), "{}", name(a));
            assert!(
                a["note"].as_str().unwrap().contains("never held"),
                "{}",
                a["note"]
            );
        }
    }
}

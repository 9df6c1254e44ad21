//! The shop on three local namespace nodes (10.71): set up from the venv with
//! every address from the book, a restock and a buy over HTTP through the
//! front, the buy's spans in the run's `traces/` as the receiver stored them,
//! the node logs named, teardown leaving nothing.

use rjepsen_core::cluster::{self, ClusterSpec};
use rjepsen_core::control::SshRemote;
use rjepsen_core::db::Db;
use rjepsen_core::test::Test;
use rjepsen_db_shop::layout::{Layout, Role};
use rjepsen_db_shop::{traces_dir, Shop, VENV};
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn spec() -> ClusterSpec {
    ClusterSpec {
        nodes: (1..=3).map(|i| format!("shop{i}")).collect(),
        subnet: Ipv4Addr::new(10, 71, 0, 0),
        prefix_len: 24,
        first_host: 11,
        bridge: "rjshop0".into(),
        netns_prefix: "rjshop-".into(),
        state_dir: "/var/lib/rjepsen-nodes-shop".into(),
    }
}

fn can_run() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let ok = root && std::path::Path::new(VENV).join("bin/python").exists();
    if !ok {
        eprintln!("skipped: needs root and the shop's venv at {VENV} (scripts/setup.sh)");
    }
    ok
}

/// One HTTP request by curl; returns (status, body as JSON).
fn http(method: &str, url: &str, body: Value) -> (u16, Value) {
    let out = Command::new("curl")
        .args([
            "-s",
            "-m",
            "20",
            "-X",
            method,
            "-H",
            "Content-Type: application/json",
        ])
        .args(["-d", &body.to_string(), "-w", "\n%{http_code}", url])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (
        code.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

async fn body(test: Test) {
    let db = Arc::new(Shop::default());
    let started = Instant::now();
    let tasks: Vec<_> = test
        .nodes
        .iter()
        .map(|n| {
            let (db, test, n) = (db.clone(), test.clone(), n.clone());
            tokio::spawn(async move { db.setup(&test, &n).await.map_err(|e| format!("{n}: {e}")) })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    eprintln!("shop setup on 3 nodes: {:?}", started.elapsed());
    let layout = Layout::of(&test.nodes).unwrap();
    let url = |r: Role| format!("http://{}", layout.dial(&test.addrs, r).unwrap());
    let inv = url(Role::Inventory);
    let restock = http(
        "POST",
        &format!("{inv}/stock/i1/restock"),
        json!({"qty": 5}),
    );
    assert_eq!(restock.0, 200, "{restock:?}");
    let bought = http(
        "POST",
        &format!("{}/buy", url(Role::Orders)),
        json!({"order_id": "o1", "item_id": "i1"}),
    );
    assert!(bought.0 < 300, "{bought:?}");
    let stock = http("GET", &format!("{inv}/stock/i1"), Value::Null);
    assert_eq!(stock.1["quantity"], json!(4), "{stock:?}");
    // The buy's spans reach the run's directory (the exporter batches every 200 ms).
    let file = traces_dir(&test).join(rjepsen_collector::FILE_NAME);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if ["orders", "inventory", "payments"]
            .iter()
            .all(|s| text.contains(&format!("\"{s}\"")))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "spans of the three services never arrived in {}: {} bytes",
            file.display(),
            text.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("spans received: {:?}", db.received().await);
    assert_eq!(
        db.as_log_files().unwrap().log_files(&test, "shop2").len(),
        2
    );
    for n in &test.nodes {
        db.teardown(&test, n).await.unwrap();
    }
    let left = test
        .remote
        .exec(
            "shop2",
            "ls /var/lib/rjepsen; pgrep -f 'python -m shop' || true",
        )
        .await
        .unwrap();
    assert!(!left.stdout.contains("shop"), "{}", left.stdout);
}

#[test]
fn shop_on_local_nodes_exports_its_traces() {
    if !can_run() {
        return;
    }
    let spec = spec();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(cluster::down(&spec)).unwrap();
    let store = std::env::temp_dir().join(format!("rjepsen-shop-db-{}", std::process::id()));
    let outcome = rt.block_on(async {
        let info = cluster::up(&spec)
            .await
            .expect("failed to bring local nodes up");
        let test = Test {
            name: "shop".into(),
            nodes: info.node_names(),
            concurrency: 3,
            seed: 0,
            remote: Arc::new(SshRemote::new(info.ssh_options())),
            store_dir: store.clone(),
            addrs: info.addr_book(Shop::default().ports().unwrap()),
            options: Default::default(),
        };
        let run = tokio::spawn(tokio::time::timeout(Duration::from_secs(90), body(test)));
        run.await
    });
    rt.block_on(cluster::down(&spec))
        .expect("failed to bring local nodes down");
    let _ = std::fs::remove_dir_all(&store);
    match outcome {
        Ok(timed) => timed.expect("the shop db test took over 90 s"),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

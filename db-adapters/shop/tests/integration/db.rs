//! The shop on three local namespace nodes (10.71): set up from the venv with
//! every address from the book, a restock and a buy over HTTP through the
//! front, the buy's spans in the run's `traces/` as the receiver stored them,
//! the node logs named, teardown leaving nothing.

use rjepsen_core::db::Db;
use rjepsen_core::test::Test;
use rjepsen_db_shop::layout::{Layout, Role};
use rjepsen_db_shop::{traces_dir, Shop, VENV};
use rjepsen_testkit::{is_root, local_test, setup_all, with_cluster};
use serde_json::{json, Value};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn can_run() -> bool {
    let ok = is_root() && std::path::Path::new(VENV).join("bin/python").exists();
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
    let took = setup_all(&(db.clone() as Arc<dyn Db>), &test).await;
    eprintln!("shop setup on 3 nodes: {took:?}");
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
    let store = std::env::temp_dir().join(format!("rjepsen-shop-db-{}", std::process::id()));
    let make_test = {
        let store = store.clone();
        move |info: &_| {
            let mut test = local_test(info, "shop", Shop::default().ports().unwrap());
            test.store_dir = store;
            test
        }
    };
    let spec = rjepsen_testkit::spec("shop", 3, 71);
    let outcome = std::panic::catch_unwind(|| {
        with_cluster(spec, Duration::from_secs(90), make_test, |test, _| {
            body(test)
        })
    });
    let _ = std::fs::remove_dir_all(&store);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

//! `rjepsen playground start --db shop` and `rjepsen test --playground --db
//! shop --workload shop` as a user runs them: the fixed shop on loopback (a real
//! PostgreSQL and the four services, every hop through the playground's
//! proxies), a short run that must be valid, the services' spans in
//! `DIR/traces`, and a `stop` after which no process of the playground is left.
//! Real ports in 29000-29999 (`RJEPSEN_PLAYGROUND_PORTS`), proxies on port 0.

use std::path::Path;
use std::process::{Command, Output};

fn rjepsen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rjepsen"))
        .args(args)
        .current_dir(dir)
        .env("RJEPSEN_PLAYGROUND_PORTS", "29000-29999")
        .output()
        .expect("run rjepsen")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// PIDs of live processes whose command line or environment names `dir`
/// (the daemon's `--dir`, PostgreSQL's `-D`, the services' `PYTHONPATH`).
fn holders(dir: &Path) -> Vec<u32> {
    let want = dir.display().to_string();
    let me = std::process::id();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
        if pid == me || zombie {
            continue;
        }
        let named = ["cmdline", "environ"].iter().any(|f| {
            let b = std::fs::read(e.path().join(f)).unwrap_or_default();
            String::from_utf8_lossy(&b).contains(&want)
        });
        if named {
            out.push(pid);
        }
    }
    out
}

#[test]
fn a_fixed_shop_playground_runs_a_valid_test_and_stops_clean() {
    let tmp = std::env::temp_dir().join(format!("rjepsen-pgshop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let work = tmp.as_path();
    // PostgreSQL runs as `postgres`, which must reach its data dir inside.
    std::fs::set_permissions(work, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let dir = work.join("pg");
    let d = dir.to_str().unwrap();
    let start = rjepsen(
        work,
        &[
            "playground",
            "--dir",
            d,
            "start",
            "--db",
            "shop",
            "--shop-fixed",
        ],
    );
    let started = text(&start);
    assert!(start.status.success(), "start: {started}");
    assert!(started.contains("orders\tn2\t127.0.0.1:"), "{started}");
    let args = [
        "test",
        "--playground",
        "--dir",
        d,
        "--db",
        "shop",
        "--workload",
        "shop",
        "--time-limit",
        "4",
        "--rate",
        "50",
        "--concurrency",
        "4",
        "--seed",
        "3",
    ];
    let run = rjepsen(work, &args);
    let ran = text(&run);
    let stop = rjepsen(work, &["playground", "--dir", d, "stop"]);
    assert!(stop.status.success(), "stop: {}", text(&stop));
    assert!(run.status.success(), "test: {ran}");
    assert!(ran.contains("shop: valid"), "{ran}");
    let ok: usize = ran
        .lines()
        .find_map(|l| {
            l.strip_prefix("ops: ")?
                .split(", ")
                .nth(1)?
                .strip_suffix(" ok")?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    assert!(
        ok >= 20,
        "too few ok ops for the invariants to mean much: {ran}"
    );
    let spans = std::fs::read_to_string(dir.join("traces/otlp-traces.jsonl")).unwrap();
    for service in ["orders", "inventory", "payments"] {
        assert!(
            spans.contains(&format!("\"{service}\"")),
            "no span of {service}"
        );
    }
    // Everything the daemon started went with it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !holders(&dir).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(holders(&dir), Vec::<u32>::new(), "left running after stop");
    assert!(!dir.join("state.json").exists());
    let _ = std::fs::remove_dir_all(&tmp);
}

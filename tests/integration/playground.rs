//! `rjepsen playground` as a user drives it: start (a detached daemon), status,
//! faults, clear errors that change nothing, and a stop that leaves no process and
//! no file outside `--dir`. HOME, XDG_STATE_HOME and TMPDIR point into an empty
//! directory that must still be empty at the end. Starts a real etcd on loopback.

use std::path::Path;
use std::process::{Command, Output};

fn pg(outside: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rjepsen"))
        .arg("playground")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env("HOME", outside)
        .env("XDG_STATE_HOME", outside)
        .env("TMPDIR", outside)
        .output()
        .expect("run rjepsen")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The PIDs `status` shows, one per running node.
fn pids(status: &str) -> Vec<u32> {
    status
        .lines()
        .filter_map(|l| {
            l.split("  pid ")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

fn daemon_pid(dir: &Path) -> u32 {
    std::fs::read_to_string(dir.join("daemon.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Whether `pid` runs: it exists and is no zombie (the daemon's parent is gone, and
/// whoever adopted it may reap it late).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| Some(s.rsplit_once(')')?.1.split_whitespace().next()? != "Z"))
        .unwrap_or(false)
}

#[test]
fn start_poke_and_stop_leave_nothing_outside_the_dir() {
    let root = std::env::temp_dir().join(format!("rjepsen-pg-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (outside, dir) = (root.join("outside"), root.join("pg"));
    std::fs::create_dir_all(&outside).unwrap();

    let o = pg(&outside, &dir, &["start", "--count", "3", "--seed", "5"]);
    assert!(o.status.success(), "start: {}", err(&o));
    let endpoints: Vec<String> = out(&o).lines().map(str::to_string).collect();
    assert_eq!(endpoints.len(), 3, "{endpoints:?}");
    assert!(
        endpoints[0].starts_with("n1\thttp://127.0.0.1:"),
        "{endpoints:?}"
    );
    assert!(err(&o).contains("healthy in"), "{}", err(&o));
    let daemon = daemon_pid(&dir);

    let status = out(&pg(&outside, &dir, &["status"]));
    let lines: Vec<&str> = status.lines().collect();
    assert_eq!(lines.len(), 3, "{status}");
    for (i, l) in lines.iter().enumerate() {
        assert!(
            l.starts_with(&format!("n{} ", i + 1)) && l.contains("leader n"),
            "{status}"
        );
    }
    let nodes = pids(&status);
    assert_eq!(nodes.len(), 3, "{status}");

    for (args, want) in [
        (&["fault", "n9", "down"][..], "node \"n9\""),
        (
            &["fault", "n1", "latency", "--rate", "5"][..],
            "latency takes no --rate",
        ),
        (&["partition", "n1", "--from", "n7"][..], "node \"n7\""),
        (&["kill", "n4"][..], "node \"n4\""),
    ] {
        let o = pg(&outside, &dir, args);
        assert_eq!(o.status.code(), Some(254), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(want), "{args:?}: {}", err(&o));
    }
    assert_eq!(
        pids(&out(&pg(&outside, &dir, &["status"]))),
        nodes,
        "a bad command changed nothing"
    );
    assert!(!out(&pg(&outside, &dir, &["status"])).contains("partition"));

    let o = pg(&outside, &dir, &["partition", "n1", "--from", "n2"]);
    assert!(o.status.success(), "{}", err(&o));
    let status = out(&pg(&outside, &dir, &["status"]));
    assert!(
        status
            .lines()
            .next()
            .unwrap()
            .contains("partition:n1.peer<-n2"),
        "{status}"
    );

    let o = pg(&outside, &dir, &["stop"]);
    assert!(o.status.success(), "stop: {}", err(&o));
    for pid in nodes.iter().chain([&daemon]) {
        assert!(!running(*pid), "process {pid} still runs");
    }
    assert!(!dir.join("state.json").exists() && !dir.join("daemon.pid").exists());
    let left: Vec<_> = std::fs::read_dir(&outside).unwrap().collect();
    assert!(left.is_empty(), "files outside --dir: {left:?}");
    let o = pg(&outside, &dir, &["status"]);
    assert_eq!(o.status.code(), Some(254));
    assert!(err(&o).contains("no playground is running"), "{}", err(&o));
    let _ = std::fs::remove_dir_all(&root);
}

/// `rjepsen test --playground` on a running playground: no SSH, nothing
/// installed; the proxy partitions go through the playground's proxies, whose
/// cut links carry 0 bytes in every window (`proxy::check_windows`); iptables
/// kinds are refused by name before anything runs; the nodes' etcd logs come
/// from `--dir`; `stop` then leaves no process.
#[test]
fn a_test_against_the_playground_is_valid_and_its_partitions_cut_links() {
    let root = std::env::temp_dir().join(format!("rjepsen-pg-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (outside, dir, store) = (root.join("outside"), root.join("pg"), root.join("store"));
    std::fs::create_dir_all(&outside).unwrap();
    let o = pg(&outside, &dir, &["start", "--count", "3", "--seed", "7"]);
    assert!(o.status.success(), "start: {}", err(&o));
    let daemon = daemon_pid(&dir);
    let nodes = pids(&out(&pg(&outside, &dir, &["status"])));
    let _guard = StopOnDrop(&outside, &dir);

    let test = |nemesis: &str| {
        Command::new(env!("CARGO_BIN_EXE_rjepsen"))
            .args(["test", "--playground", "--dir"])
            .arg(&dir)
            .args(["--workload", "register", "--nemesis", nemesis])
            .args([
                "--nemesis-interval",
                "2",
                "--time-limit",
                "10",
                "--rate",
                "20",
            ])
            .args(["--seed", "3", "--quiet", "--store"])
            .arg(&store)
            .output()
            .expect("run rjepsen test")
    };
    let o = test("partition");
    assert_eq!(o.status.code(), Some(254), "{}", err(&o));
    assert!(err(&o).contains("not on a playground"), "{}", err(&o));

    let started = std::time::Instant::now();
    let o = test("proxy-partition");
    let stderr = err(&o);
    eprintln!(
        "rjepsen test in {:.1} s:\n{stderr}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(o.status.code(), Some(0), "a valid run: {stderr}");
    let run = store.join("latest").canonicalize().unwrap();
    super::proxy::check_windows(&run);
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["nemesis-faults"][0]["name"], "proxy-partition");
    let logs = std::fs::read_to_string(run.join("nodes/n1/etcd.log")).expect("n1's etcd log");
    assert!(!logs.is_empty());
    // The test healed its faults: the playground is left as it was.
    let status = out(&pg(&outside, &dir, &["status"]));
    assert!(!status.contains("partition"), "{status}");

    let o = pg(&outside, &dir, &["stop"]);
    assert!(o.status.success(), "stop: {}", err(&o));
    for pid in nodes.iter().chain([&daemon]) {
        assert!(!running(*pid), "process {pid} still runs");
    }
    assert!(!dir.join("state.json").exists() && !dir.join("daemon.pid").exists());
    let left: Vec<_> = std::fs::read_dir(&outside).unwrap().collect();
    assert!(left.is_empty(), "files outside --dir: {left:?}");
    let _ = std::fs::remove_dir_all(&root);
}

/// Stops the playground when a test fails halfway (a second stop is refused, harmlessly).
struct StopOnDrop<'a>(&'a Path, &'a Path);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = pg(self.0, self.1, &["stop"]);
    }
}

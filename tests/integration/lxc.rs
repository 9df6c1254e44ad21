//! LXC nodes end to end: three containers from the cached base image (built on
//! first use), a register test against etcd with partitions, kills and whole-node
//! freezes, and a memory limit set through the provider; valid. Then nothing may
//! be left: no container, bridge, iptables rule, hosts line or live process; and
//! `down` again has nothing to do.
//!
//! Root only, on its own bridge and subnet (10.64.0.0/24), and node names of its
//! own (l1..l3) so that it runs beside a developer's namespace cluster (n1..n5).

use super::cli::rjepsen;
use super::end_to_end::{is_root, sh};
use rjepsen_core::history::read_jsonl;
use rjepsen_core::{OpType, Process};
use std::collections::BTreeSet;

const BRIDGE: &str = "rjlxct0";
const SUBNET: &str = "10.64.0.0";
const STATE: &str = "/var/lib/rjepsen-test-rjlxct0";

fn cluster<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["cluster"];
    a.extend_from_slice(rest);
    a.extend_from_slice(&[
        "--provider",
        "lxc",
        "--state-dir",
        STATE,
        "--bridge",
        BRIDGE,
        "--subnet",
        SUBNET,
    ]);
    a
}

/// Brings the containers down when dropped, also when an assertion fails.
struct Down;

impl Drop for Down {
    fn drop(&mut self) {
        let o = rjepsen(&cluster(&["down"]));
        if !o.status.success() {
            eprintln!(
                "cluster down failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

fn ok(args: &[&str]) -> String {
    let o = rjepsen(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.success(),
        "rjepsen {}: {:?}\n{err}",
        args.join(" "),
        o.status
    );
    err + &String::from_utf8_lossy(&o.stdout)
}

#[test]
fn register_on_lxc_nodes_with_partitions_kills_and_freezes() {
    if !is_root() {
        eprintln!("skipped: LXC nodes need root");
        return;
    }
    ok(&cluster(&["image", "build"]));
    let down = Down;
    let up = ok(&cluster(&["up", "--nodes", "l1..l3"]));
    assert!(up.contains("l3\t10.64.0.13"), "{up}");
    let status = ok(&cluster(&["status"]));
    assert_eq!(status.matches("\trunning\t").count(), 3, "{status}");
    let store = std::env::temp_dir().join(format!("rjepsen-lxc-{}", std::process::id()));
    let o = rjepsen(&[
        "test",
        "--provider",
        "lxc",
        "--state-dir",
        STATE,
        "--nodes",
        "l1..l3",
        // Each kind starts within 3 s and heals within 6 s at interval 2
        // (nemesis/src/schedule.rs): kill, freeze and unfreeze all run by 6 s.
        "--time-limit",
        "9",
        "--rate",
        "50",
        "--nemesis",
        "partition,kill,freeze",
        "--nemesis-interval",
        "2",
        "--node-memory",
        "512M",
        "--seed",
        "7",
        "--recovery-time",
        "2",
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(0),
        "valid expected\n{}\n{stderr}",
        String::from_utf8_lossy(&o.stdout)
    );
    let limit = sh(&format!(
        "lxc-cgroup -P {STATE}/containers -n {BRIDGE}-l2 memory.limit_in_bytes"
    ));
    assert_eq!(limit.trim(), "536870912");
    check_faults(&store.join("latest/history.jsonl"));
    drop(down);
    check_nothing_left();
    let again = ok(&cluster(&["down"]));
    assert!(again.contains("nothing to remove"), "{again}");
    std::fs::remove_dir_all(&store).unwrap();
}

/// Each fault took effect on some node (its completion says so per node).
fn check_faults(history: &std::path::Path) {
    let ops = read_jsonl(history).unwrap();
    let done: BTreeSet<(String, String)> = ops
        .iter()
        .filter(|o| o.process == Process::Nemesis && o.kind == OpType::Info)
        .filter_map(|o| o.value.as_object().map(|m| (o, m)))
        .flat_map(|(o, m)| {
            m.values()
                .filter_map(|v| v.as_str())
                .map(move |v| (o.f.clone(), v.to_string()))
        })
        .collect();
    for (f, effect) in [
        ("kill", "killed"),
        ("freeze", "frozen"),
        ("unfreeze", "unfrozen"),
    ] {
        assert!(
            done.contains(&(f.to_string(), effect.to_string())),
            "no {f} took effect: {done:?}"
        );
    }
    assert!(ops
        .iter()
        .any(|o| o.f == "start-partition" && o.kind == OpType::Info && o.value.is_object()));
    let reads = ops
        .iter()
        .filter(|o| o.is_client() && o.f == "read" && o.kind == OpType::Ok)
        .count();
    assert!(reads > 0, "no ok read");
}

fn check_nothing_left() {
    let links = sh("ip -br link");
    assert!(!links.contains(BRIDGE), "links left: {links}");
    let rules = sh("iptables-save 2>/dev/null | grep -c rjepsen-lxc:rjlxct0 || true");
    assert_eq!(rules.trim(), "0", "iptables rules left on the host");
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap();
    assert!(
        !hosts.contains("rjepsen-lxc:rjlxct0"),
        "hosts lines left: {hosts}"
    );
    assert!(!std::path::Path::new(STATE).exists(), "{STATE} left");
    // Live processes only: this machine's pid 1 does not reap LXC's zombies.
    let procs = sh("ps -eo stat=,args= | grep -v '^Z' | grep -E 'rjlxct0|--name l[123] ' | grep -v grep || true");
    assert!(procs.trim().is_empty(), "processes left: {procs}");
}

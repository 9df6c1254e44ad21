//! Local nodes for real: bring up three nodes, drive them over SSH, bring them down
//! and check that nothing is left. Needs root; skips (passes with a message) if not.
//!
//! Uses its own names (nodes t1..t3, bridge rjtest0, subnet 10.78.0.0/24, state in
//! /var/lib/rjepsen-nodes-test) so it can run beside a real `rjepsen cluster up`.

use rjepsen_core::cluster::{self, ClusterInfo, ClusterSpec};
use rjepsen_core::control::{on_nodes, Remote, SshRemote};
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};

fn test_spec() -> ClusterSpec {
    ClusterSpec {
        nodes: vec!["t1".into(), "t2".into(), "t3".into()],
        subnet: Ipv4Addr::new(10, 78, 0, 0),
        prefix_len: 24,
        first_host: 11,
        bridge: "rjtest0".into(),
        netns_prefix: "rjtest-".into(),
        state_dir: "/var/lib/rjepsen-nodes-test".into(),
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[test]
fn three_local_nodes_up_exec_down() {
    if !is_root() {
        eprintln!("SKIPPED three_local_nodes_up_exec_down: local nodes need root");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let spec = test_spec();
    // Leftovers of an earlier, interrupted run must not fail this one.
    rt.block_on(cluster::down(&spec)).unwrap();
    // In a task, so that a failed assertion still reaches `down` below.
    let task = rt.spawn({
        let spec = spec.clone();
        async move { tokio::time::timeout(Duration::from_secs(120), exercise(&spec)).await }
    });
    let outcome = rt.block_on(task);
    let down = rt.block_on(cluster::down(&spec));
    let leftovers = leftovers(&spec);
    match outcome {
        Ok(timed) => timed.expect("cluster test took over 120s"),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
    down.expect("cluster down");
    assert!(leftovers.is_empty(), "left after down: {leftovers:?}");
    // Down again, with nothing up: fine and a no-op.
    let again = rt.block_on(cluster::down(&spec)).expect("second down");
    assert!(again.is_empty(), "second down did something: {again:?}");
}

async fn exercise(spec: &ClusterSpec) {
    let start = Instant::now();
    let info = cluster::up(spec).await.expect("cluster up");
    eprintln!(
        "cluster up of {} nodes took {:?}",
        spec.nodes.len(),
        start.elapsed()
    );
    let again = cluster::up(spec).await.unwrap_err().to_string();
    assert!(again.contains("already up"), "{again}");
    // A second cluster on the same subnet or with the same names is refused up front.
    let clash = ClusterSpec {
        nodes: vec!["t9".into()],
        bridge: "rjtest9".into(),
        netns_prefix: "rjtest9-".into(),
        state_dir: "/var/lib/rjepsen-nodes-test9".into(),
        ..spec.clone()
    };
    let err = cluster::up(&clash).await.unwrap_err().to_string();
    assert!(err.contains("10.78.0.0/24 is in use"), "{err}");
    let names = ClusterSpec {
        nodes: vec!["t2".into()],
        subnet: Ipv4Addr::new(10, 78, 9, 0),
        ..clash.clone()
    };
    let err = cluster::up(&names).await.unwrap_err().to_string();
    assert!(
        err.contains("node name t2 is already in /etc/hosts"),
        "{err}"
    );
    assert!(!Path::new("/sys/class/net/rjtest9").exists());
    assert!(!clash.state_dir.exists());
    let status = cluster::status(spec).await.unwrap();
    assert_eq!(status.len(), 3);
    assert!(
        status.iter().all(|s| s.sshd_alive && s.ssh_ok),
        "{status:?}"
    );

    let remote = SshRemote::new(info.ssh_options());
    let t = Instant::now();
    own_namespaces(&remote, &info).await;
    eprintln!("namespaces checked in {:?}", t.elapsed());
    let t = Instant::now();
    network(&remote, &info).await;
    eprintln!("network checked in {:?}", t.elapsed());
    let t = Instant::now();
    transfers(&remote, &info).await;
    eprintln!("transfers checked in {:?}", t.elapsed());
    let t = Instant::now();
    errors(&remote, &info).await;
    eprintln!("errors checked in {:?}", t.elapsed());
    // A broken connection (its sshd side killed) is opened anew on the next command.
    let _ = remote
        .exec_unchecked("t2", "pkill -f '^sshd.*: root@notty'")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = remote
        .exec("t2", "hostname")
        .await
        .expect("reconnect to t2");
    assert_eq!(out.stdout.trim(), "t2");
    // A process started over SSH lives in the node and must die with it on down.
    remote
        .exec("t1", "setsid sleep 1000 >/dev/null 2>&1 < /dev/null &")
        .await
        .unwrap();
    remote.close_all().await;
}

/// Hostname, PID namespace, private /tmp, iptables and tc inside each node.
async fn own_namespaces(remote: &SshRemote, info: &ClusterInfo) {
    let names = info.node_names();
    let results = on_nodes(&names, |n| async move {
        let out = remote
            .exec(
                &n,
                "hostname; cat /proc/1/comm; echo $$ > /tmp/mark; ls /tmp",
            )
            .await?;
        Ok::<_, rjepsen_core::control::ControlError>(out.stdout)
    })
    .await;
    for (node, r) in results {
        let out = r.unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], node, "hostname on {node}");
        assert_eq!(lines[1], "sshd", "init of {node}");
        assert_eq!(
            lines[2..],
            ["mark"],
            "/tmp of {node} should hold only its own file"
        );
    }
    remote
        .exec(
            "t1",
            "echo only-t1 > /tmp/t1-file; mkdir -p /var/lib/rjepsen && touch /var/lib/rjepsen/t1",
        )
        .await
        .unwrap();
    let t2 = remote
        .exec("t2", "ls /tmp /var/lib/rjepsen")
        .await
        .unwrap()
        .stdout;
    assert!(
        !t2.contains("t1-file") && !t2.contains("t1\n"),
        "t2 sees t1's files: {t2}"
    );
    assert!(
        !Path::new("/tmp/t1-file").exists(),
        "the control node sees t1's /tmp"
    );
    let ps = remote.exec("t2", "ps -e -o comm=").await.unwrap().stdout;
    assert!(
        ps.lines()
            .all(|c| c.starts_with("sshd") || c == "sh" || c == "ps"),
        "t2 sees foreign processes: {ps}"
    );
    let fw = remote
        .exec("t3", "iptables -w -L INPUT -n && tc qdisc show dev eth0")
        .await
        .unwrap()
        .stdout;
    assert!(fw.contains("Chain INPUT"), "{fw}");
}

/// Node to node over the bridge; names resolve; nothing beyond the bridge.
async fn network(remote: &SshRemote, info: &ClusterInfo) {
    let t2 = info.nodes[1].address;
    // sshd of t2 answers t1 by address and by name (bash's /dev/tcp; no nc needed).
    for target in [t2.to_string(), "t2".to_string()] {
        let cmd = format!("timeout 5 bash -c 'exec 3<>/dev/tcp/{target}/22; head -c 4 <&3'");
        let out = remote.exec("t1", &cmd).await.unwrap();
        assert_eq!(out.stdout, "SSH-", "t1 -> {target}");
    }
    let routes = remote.exec("t1", "ip -4 route show").await.unwrap().stdout;
    assert!(
        !routes.contains("default"),
        "nodes must not route beyond the bridge: {routes}"
    );
    let host = remote
        .exec_unchecked("t1", "timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.2/22'")
        .await
        .unwrap();
    assert_ne!(host.code, 0, "t1 reached an address beyond the bridge");
    partition(remote, info).await;
}

/// An iptables rule inside t1 cuts t2 off from t1 only; the control node and t3
/// still reach t1 (what the partition nemesis relies on).
async fn partition(remote: &SshRemote, info: &ClusterInfo) {
    let probe = |from: &'static str| async move {
        let cmd = "timeout 2 bash -c 'exec 3<>/dev/tcp/t1/22; head -c 4 <&3'";
        remote.exec_unchecked(from, cmd).await.unwrap().stdout
    };
    let rule = format!("INPUT -s {} -j DROP", info.nodes[1].address);
    remote
        .exec("t1", &format!("iptables -w -A {rule}"))
        .await
        .unwrap();
    assert_eq!(probe("t2").await, "", "t2 reached t1 through the partition");
    assert_eq!(probe("t3").await, "SSH-", "t3 lost t1");
    assert_eq!(remote.exec("t1", "hostname").await.unwrap().stdout, "t1\n");
    remote
        .exec("t1", &format!("iptables -w -D {rule}"))
        .await
        .unwrap();
    assert_eq!(probe("t2").await, "SSH-", "t2 still cut off after healing");
}

/// Binary-safe upload and download through the nodes' private /tmp.
async fn transfers(remote: &SshRemote, info: &ClusterInfo) {
    let dir = &std::env::temp_dir().join(format!("rjepsen-it-{}", std::process::id()));
    std::fs::create_dir_all(dir).unwrap();
    let bytes: Vec<u8> = (0..3_000_000u64).map(|i| (i * 7919 % 251) as u8).collect();
    let src = dir.join("blob.bin");
    std::fs::write(&src, &bytes).unwrap();
    std::fs::set_permissions(&src, std::os::unix::fs::PermissionsExt::from_mode(0o750)).unwrap();
    let node = &info.nodes[2].name;
    remote
        .upload(node, &src, "/tmp/sub/blob.bin")
        .await
        .unwrap();
    let sum = remote
        .exec(
            node,
            "stat -c %a /tmp/sub/blob.bin && wc -c < /tmp/sub/blob.bin",
        )
        .await
        .unwrap()
        .stdout;
    assert_eq!(sum, format!("750\n{}\n", bytes.len()));
    let back = dir.join("back.bin");
    remote
        .download(node, "/tmp/sub/blob.bin", &back)
        .await
        .unwrap();
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "round trip changed the bytes"
    );
    let err = remote
        .download(node, "/tmp/missing", &back)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/tmp/missing") && err.contains(node.as_str()),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Errors name the node, the command, the exit code and stderr.
async fn errors(remote: &SshRemote, info: &ClusterInfo) {
    let cmd = "echo to-stderr >&2; exit 7";
    let err = remote.exec("t1", cmd).await.unwrap_err().to_string();
    for part in ["t1", cmd, "exit code 7", "to-stderr"] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    // An address of the test subnet that no node has (a name would go to DNS).
    let ghost = "10.78.0.250";
    let err = remote.exec(ghost, "true").await.unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("failed to connect to {ghost}: ")),
        "{err}"
    );
    eprintln!("unreachable node: {err}");
    // A key the nodes do not accept: the error says so.
    let stranger = SshRemote::new(rjepsen_core::control::SshOptions {
        private_key: Some("/nonexistent/rjepsen-key".into()),
        ..info.ssh_options()
    });
    let err = stranger.check("t1").await.unwrap_err().to_string();
    assert!(err.starts_with("failed to connect to t1: "), "{err}");
    assert!(err.contains("Permission denied"), "{err}");
    eprintln!("refused key: {err}");
    // Many concurrent commands over the one connection per node.
    let many = on_nodes(
        &(0..40)
            .map(|i| info.nodes[i % 3].name.clone())
            .collect::<Vec<_>>(),
        |n| async move { remote.exec(&n, "hostname").await.map(|o| (n, o.stdout)) },
    )
    .await;
    for (_, r) in many {
        let (n, out) = r.unwrap();
        assert_eq!(out.trim(), n);
    }
}

/// What of the test cluster still exists on the host.
fn leftovers(spec: &ClusterSpec) -> Vec<String> {
    let mut left = Vec::new();
    for n in &spec.nodes {
        let ns = format!("{}{n}", spec.netns_prefix);
        if Path::new("/run/netns").join(&ns).exists() {
            left.push(format!("netns {ns}"));
        }
    }
    if Path::new("/sys/class/net").join(&spec.bridge).exists() {
        left.push(format!("bridge {}", spec.bridge));
    }
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap();
    if hosts.contains(&spec.marker()) {
        left.push("hosts lines".into());
    }
    if spec.state_dir.exists() {
        left.push(format!("{}", spec.state_dir.display()));
    }
    let rules = std::process::Command::new("iptables")
        .args(["-w", "-S", "FORWARD"])
        .output()
        .unwrap();
    if String::from_utf8_lossy(&rules.stdout).contains(&spec.marker()) {
        left.push("iptables rules".into());
    }
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let ours = format!("{}/", spec.state_dir.display());
        if text.contains(&ours) || text.contains("sleep 1000") {
            left.push(format!(
                "process {}: {text}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    left
}

/// Timing of a 5-node `up` (run by hand: `--run-ignored only`).
#[test]
#[ignore]
fn five_nodes_up_timing() {
    if !is_root() {
        eprintln!("SKIPPED five_nodes_up_timing: local nodes need root");
        return;
    }
    let spec = ClusterSpec {
        // Its own names: it may run beside the test above.
        nodes: (1..=5).map(|i| format!("u{i}")).collect(),
        subnet: Ipv4Addr::new(10, 78, 5, 0),
        bridge: "rjtest5".into(),
        netns_prefix: "rjtest5-".into(),
        state_dir: "/var/lib/rjepsen-nodes-test5".into(),
        ..test_spec()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(cluster::down(&spec)).unwrap();
    let start = Instant::now();
    let up = rt.block_on(cluster::up(&spec));
    let took = start.elapsed();
    let start = Instant::now();
    let down = rt.block_on(cluster::down(&spec));
    eprintln!("up of 5 nodes: {took:?}; down: {:?}", start.elapsed());
    up.unwrap();
    down.unwrap();
    assert!(leftovers(&spec).is_empty(), "{:?}", leftovers(&spec));
}

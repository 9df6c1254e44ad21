//! The proxy kinds: their schedules (seeded, start then stop, values of their
//! own), their plans (which links, which fault), how `--nemesis` resolves them,
//! and one nemesis against real proxies on loopback: a partition stops its
//! links' bytes while the others flow, and healing lifts it.

use super::*;
use crate::package::{needs_proxies, package_with, resolve, PackageContext};
use crate::packages::{plan_of, registry};
use crate::schedule::tests::drive;
use rand::SeedableRng;
use rjepsen_core::addr::{AddrBook, NodeAddrs, Ports};
use rjepsen_core::db::{Db, DbError};
use rjepsen_core::fault::{Edge, FaultBook};
use std::collections::BTreeSet;

const MINUTE: u64 = 60_000_000_000;

struct Served;

#[async_trait]
impl Db for Served {
    async fn setup(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn teardown(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    fn ports(&self) -> Option<Ports> {
        Some(Ports {
            client: 2379,
            peer: 2380,
        })
    }
}

struct Portless;

#[async_trait]
impl Db for Portless {
    async fn setup(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn teardown(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
}

fn names(s: &str) -> Vec<String> {
    s.split(',').map(String::from).collect()
}

fn nodes(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("n{i}")).collect()
}

fn proxy_packages() -> Vec<&'static dyn crate::package::FaultPackage> {
    registry()
        .iter()
        .filter(|p| p.uses_proxies())
        .copied()
        .collect()
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

#[test]
fn proxy_all_names_the_proxy_kinds_and_all_leaves_them_out() {
    let kinds = |s: &str| -> Vec<String> {
        resolve(&names(s), &Served)
            .unwrap()
            .iter()
            .map(|p| p.spec().name)
            .collect()
    };
    assert_eq!(
        kinds("proxy-all"),
        [
            "proxy-partition",
            "proxy-reset",
            "proxy-delay",
            "proxy-bandwidth"
        ]
    );
    assert_eq!(kinds("all"), ["partition", "packet"]);
    assert_eq!(kinds("packet,proxy-delay"), ["packet", "proxy-delay"]);
    assert!(needs_proxies(&names("proxy-reset"), 5.0, &Served).unwrap());
    assert!(!needs_proxies(&names("all"), 5.0, &Served).unwrap());
    assert!(needs_proxies(&names("proxy-reset"), 0.0, &Served).is_err());
}

#[test]
fn refused_combinations_say_why() {
    let err = resolve(&names("partition,proxy-partition"), &Served)
        .err()
        .unwrap();
    assert!(
        err.contains("iptables") && err.contains("proxy-partition"),
        "{err}"
    );
    let err = resolve(&names("proxy-delay"), &Portless).err().unwrap();
    assert!(err.contains("Ports"), "{err}");
    let err = package_with(&names("proxy-delay"), 5.0, Arc::new(Served), None)
        .err()
        .unwrap();
    assert!(err.contains("no fault proxies"), "{err}");
}

/// Each proxy kind's schedule: the same seed gives the same ops, another seed
/// others; starts and stops alternate; start values are the kind's own.
#[test]
fn proxy_schedules_are_seeded_and_alternate() {
    let ctx = PackageContext {
        db: Arc::new(Served),
        interval_secs: 5.0,
        fixed: None,
        proxies: None,
    };
    for p in proxy_packages() {
        let spec = p.spec();
        let a = drive(&mut *p.build(&ctx).schedule, 9, 5 * MINUTE);
        let b = drive(&mut *p.build(&ctx).schedule, 9, 5 * MINUTE);
        let c = drive(&mut *p.build(&ctx).schedule, 10, 5 * MINUTE);
        assert!(a.len() > 20, "{}: {}", spec.name, a.len());
        assert_eq!(a, b, "{}", spec.name);
        assert_ne!(a, c, "{}", spec.name);
        let book = FaultBook::new(vec![spec.clone()]);
        let mut starts = BTreeSet::new();
        for (i, op) in a.iter().enumerate() {
            let (s, edge) = book.edge(&op.f).expect("every op is this kind's");
            assert_eq!(s.name, spec.name);
            let want = if i % 2 == 0 { Edge::Start } else { Edge::Stop };
            assert_eq!(edge, want, "{}: op {i} {}", spec.name, op.f);
            if edge == Edge::Start {
                starts.insert(op.value.to_string());
            }
        }
        assert!(starts.len() > 2, "{}: values vary: {starts:?}", spec.name);
    }
}

/// A partition's links are exactly the grudge's, both ways for the symmetric
/// shapes, never a node to itself; "one" isolates one node from all others.
#[test]
fn partition_plans_cut_the_grudges_links() {
    let ns = nodes(5);
    for seed in 0..20 {
        for mode in ["majority", "one", "ring", "bridge"] {
            let plan = plan_of("proxy-partition", &Value::from(mode), &ns, &mut rng(seed)).unwrap();
            let links: BTreeSet<_> = plan.links.iter().cloned().collect();
            assert!(!links.is_empty(), "{mode}");
            for (s, d) in &links {
                assert_ne!(s, d);
                assert!(
                    links.contains(&(d.clone(), s.clone())),
                    "{mode}: {s}->{d} one way"
                );
            }
            assert_eq!(plan.fault, Fault::Timeout { timeout: 0 });
        }
        let one = plan_of("proxy-partition", &Value::from("one"), &ns, &mut rng(seed)).unwrap();
        assert_eq!(one.links.len(), 8, "one node's 4 peers, both ways");
        let lone = &one.links[0].0;
        let lone = if one.links.iter().all(|(s, d)| s == lone || d == lone) {
            lone.clone()
        } else {
            one.links[0].1.clone()
        };
        assert!(one.links.iter().all(|(s, d)| s == &lone || d == &lone));
    }
    let err = plan_of("proxy-partition", &Value::from("primary"), &ns, &mut rng(1)).unwrap_err();
    assert!(err.contains("primary"), "{err}");
}

#[test]
fn targeted_plans_touch_every_link_of_their_targets() {
    let ns = nodes(3);
    let value = serde_json::json!({"targets": ["n2"], "latency": 200, "jitter": 50});
    let plan = plan_of("proxy-delay", &value, &ns, &mut rng(1)).unwrap();
    let want: Vec<NodeLink> = [("n1", "n2"), ("n2", "n1"), ("n2", "n3"), ("n3", "n2")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(plan.links, want);
    assert_eq!(
        plan.fault,
        Fault::Latency {
            latency: 200,
            jitter: 50
        }
    );
    let all = serde_json::json!({"targets": "all", "rate": 10});
    let plan = plan_of("proxy-bandwidth", &all, &ns, &mut rng(1)).unwrap();
    assert_eq!(plan.links.len(), 6);
    assert_eq!(plan.fault, Fault::Bandwidth { rate: 10 });
    let bad = serde_json::json!({"targets": ["n9"], "timeout": 0});
    let err = plan_of("proxy-reset", &bad, &ns, &mut rng(1)).unwrap_err();
    assert!(err.contains("n9"), "{err}");
}

#[test]
fn window_bytes_are_differences_per_link() {
    let link = |a: &str, b: &str| (a.to_string(), b.to_string());
    let before = [(link("n1", "n2"), 10), (link("n2", "n1"), 5)]
        .into_iter()
        .collect();
    let after = [(link("n1", "n2"), 10), (link("n2", "n1"), 25)]
        .into_iter()
        .collect();
    let w = window_bytes(&before, &after);
    assert_eq!(w, serde_json::json!({"n1->n2": 0, "n2->n1": 20}));
}

/// An echo server on `ip`, port picked; returns its address.
async fn echo(ip: &str) -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

/// Three "nodes" on 127.0.0.21–23 (one IP each, so the proxy tells them
/// apart), each a peer echo server; `src` sends a line to `dst`'s peer proxy
/// and reads it back, within `wait`.
async fn round_trip(book: &AddrBook, src: &str, dst: &str, wait: std::time::Duration) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let from = book.get(src).unwrap().ip();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(std::net::SocketAddr::new(from, 0)).unwrap();
    let mut s = socket.connect(book.peer(dst).unwrap()).await.unwrap();
    s.write_all(b"ping\n").await.unwrap();
    let mut buf = [0u8; 5];
    matches!(
        tokio::time::timeout(wait, s.read_exact(&mut buf)).await,
        Ok(Ok(_))
    )
}

#[tokio::test]
async fn a_proxy_partition_stops_its_links_and_healing_lifts_it() {
    let mut entries = Vec::new();
    for (i, n) in nodes(3).iter().enumerate() {
        let ip = format!("127.0.0.{}", 21 + i);
        let peer = echo(&ip).await;
        let client = echo(&ip).await;
        entries.push(NodeAddrs {
            listen_client: client,
            client,
            ..NodeAddrs::at(n, client, peer.port())
        });
    }
    let direct = AddrBook::new(entries);
    let proxies = Arc::new(
        crate::proxies::TestProxies::start(&direct, 5)
            .await
            .unwrap(),
    );
    let book = proxies.book().clone();
    assert!(book.is_proxied());
    let test = Test {
        name: "t".into(),
        nodes: nodes(3),
        concurrency: 1,
        seed: 5,
        remote: Arc::new(rjepsen_core::control::LocalRemote::new()),
        addrs: book.clone(),
        store_dir: std::env::temp_dir(),
        options: Default::default(),
    };
    let ctx = PackageContext {
        db: Arc::new(Served),
        interval_secs: 1.0,
        fixed: None,
        proxies: Some(proxies.clone() as Arc<dyn crate::proxies::LinkProxies>),
    };
    let pkg = registry()
        .iter()
        .find(|p| p.spec().name == "proxy-partition")
        .unwrap();
    let nemesis = pkg.build(&ctx).nemesis;
    let short = std::time::Duration::from_millis(300);
    let long = std::time::Duration::from_secs(5);
    assert!(round_trip(&book, "n2", "n1", long).await, "flows before");

    let start = Op::invoke(
        rjepsen_core::op::Process::Nemesis,
        "start-proxy-partition",
        "one".into(),
    );
    let done = nemesis.invoke(&test, &start).await;
    assert!(done.error.is_none(), "{done:?}");
    let links: Vec<NodeLink> = serde_json::from_value(done.value["links"].clone()).unwrap();
    let lone = links[0].0.clone();
    let lone = if links.iter().all(|(s, d)| s == &lone || d == &lone) {
        lone
    } else {
        links[0].1.clone()
    };
    let others: Vec<String> = nodes(3).into_iter().filter(|n| *n != lone).collect();
    assert!(
        !round_trip(&book, &others[0], &lone, short).await,
        "cut into {lone}"
    );
    assert!(
        !round_trip(&book, &lone, &others[1], short).await,
        "cut out of {lone}"
    );
    assert!(
        round_trip(&book, &others[0], &others[1], long).await,
        "others flow"
    );

    let stop = Op::invoke(
        rjepsen_core::op::Process::Nemesis,
        "stop-proxy-partition",
        Value::Null,
    );
    let healed = nemesis.invoke(&test, &stop).await;
    let w = &healed.value["window-bytes"];
    for (s, d) in &links {
        assert_eq!(w[format!("{s}->{d}")], 0, "{s}->{d} carried nothing: {w}");
    }
    let flowing = format!("{}->{}", others[0], others[1]);
    assert!(w[&flowing].as_u64().unwrap() > 0, "{flowing}: {w}");
    assert!(round_trip(&book, &others[0], &lone, long).await, "healed");
    nemesis.teardown(&test).await.unwrap();
    assert!(proxies.group().faults().toxics.is_empty());
}

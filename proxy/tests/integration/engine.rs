//! The engine without faults, events and counters, seeds and toxicity, removal.

use super::common::*;
use rjepsen_proxy::{EventKind, Fault, FaultSet, Link, Toxic};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn forwards_both_ways_and_counts_bytes_per_link() {
    let (g, addrs) = group(1).await;
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    round_trip(&mut c, &[7u8; 1000]).await.unwrap();
    drop(c);
    let mut c = dial_from(ip(99), addrs[0]).await.unwrap();
    round_trip(&mut c, b"hello").await.unwrap();
    let bytes = g.bytes();
    let n2 = bytes[&("n2".to_string(), "n1".to_string())];
    assert_eq!((n2.upstream, n2.downstream), (1000, 1000), "{bytes:?}");
    let unknown = bytes[&("?".to_string(), "n1".to_string())];
    assert_eq!((unknown.upstream, unknown.downstream), (5, 5));
}

#[tokio::test]
async fn events_are_stamped_in_order_and_apply_returns_its_stamp() {
    let (g, addrs) = group(1).await;
    let mut c = dial_from(ip(11), addrs[1]).await.unwrap();
    round_trip(&mut c, b"x").await.unwrap();
    let ns = g
        .apply(FaultSet::partition(&[Link::into("n2")]))
        .await
        .unwrap();
    c.shutdown().await.unwrap();
    drop(c);
    g.apply(FaultSet::none()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ev = g.events();
    assert!(ev.windows(2).all(|w| w[0].ns <= w[1].ns), "{ev:?}");
    assert!(
        matches!(&ev[0].kind, EventKind::Connect { proxy, from: Some(f), .. } if proxy == "n2" && f == "n1")
    );
    let change = ev
        .iter()
        .find(|e| matches!(e.kind, EventKind::FaultChange { .. }))
        .unwrap();
    assert_eq!(change.ns, ns);
    assert!(
        ev.iter().any(|e| matches!(e.kind, EventKind::Close { .. })),
        "{ev:?}"
    );
}

/// Which of `n` sequential connections a reset_peer of `toxicity` hits.
async fn affected(seed: u64, toxicity: f64, n: usize) -> Vec<bool> {
    let (g, addrs) = group(seed).await;
    let t = Toxic::new("rst", Fault::ResetPeer { timeout: 0 }, Link::into("n1")).toxicity(toxicity);
    g.apply(FaultSet::none().with(t)).await.unwrap();
    let mut hit = Vec::with_capacity(n);
    for _ in 0..n {
        let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
        hit.push(round_trip(&mut c, b"ping").await.is_err());
    }
    hit
}

#[tokio::test]
async fn toxicity_zero_over_1000_connections_affects_none() {
    let hit = affected(7, 0.0, 1000).await;
    assert_eq!(hit.iter().filter(|h| **h).count(), 0);
}

#[tokio::test]
async fn same_seed_affects_the_same_connections() {
    let a = affected(42, 0.5, 100).await;
    let b = affected(42, 0.5, 100).await;
    let c = affected(43, 0.5, 100).await;
    let hits = a.iter().filter(|h| **h).count();
    assert!((25..=75).contains(&hits), "toxicity 0.5 hit {hits} of 100");
    assert_eq!(a, b, "same seed, different connections affected");
    assert_ne!(a, c, "a different seed should pick other connections");
}

#[tokio::test]
async fn removing_a_blackhole_under_load_releases_data_quickly() {
    let (g, addrs) = group(1).await;
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    round_trip(&mut c, b"warm").await.unwrap();
    for _ in 0..5 {
        g.apply(FaultSet::partition(&[Link::into("n1")]))
            .await
            .unwrap();
        assert!(blocked_for(&mut c, &[1u8; 4096], Duration::from_millis(200)).await);
        // The 4096 bytes are held in the proxy; removal must release them now.
        g.apply(FaultSet::none()).await.unwrap();
        let t = Instant::now();
        let mut rest = vec![0u8; 4096];
        tokio::io::AsyncReadExt::read_exact(&mut c, &mut rest)
            .await
            .unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "removal took {:?}",
            t.elapsed()
        );
    }
}

#[tokio::test]
async fn removing_latency_releases_a_chunk_in_flight() {
    let (g, addrs) = group(1).await;
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    let slow = Toxic::new(
        "slow",
        Fault::Latency {
            latency: 10_000,
            jitter: 0,
        },
        Link::into("n1"),
    );
    g.apply(FaultSet::none().with(slow)).await.unwrap();
    let t = Instant::now();
    let trip = tokio::spawn(async move { round_trip(&mut c, b"in flight").await.unwrap() });
    tokio::time::sleep(Duration::from_millis(100)).await;
    g.apply(FaultSet::none()).await.unwrap();
    trip.await.unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "took {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn dropping_the_group_closes_listeners_and_connections() {
    let (g, addrs) = group(1).await;
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    round_trip(&mut c, b"alive").await.unwrap();
    drop(g);
    let mut buf = [0u8; 4];
    let r = tokio::time::timeout(
        Duration::from_secs(1),
        tokio::io::AsyncReadExt::read(&mut c, &mut buf),
    )
    .await;
    assert!(
        matches!(r, Ok(Ok(0)) | Ok(Err(_))),
        "connection outlived its group: {r:?}"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        dial_from(ip(12), addrs[0]).await.is_err(),
        "listener outlived its group"
    );
}

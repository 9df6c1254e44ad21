//! Each fault's effect, measured on real loopback sockets through an echo server.

use super::common::*;
use rjepsen_proxy::{Direction, Fault, FaultSet, Link, Toxic};
use std::io::ErrorKind;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn on_n1(name: &str, f: Fault) -> FaultSet {
    FaultSet::none().with(Toxic::new(name, f, Link::into("n1")))
}

#[tokio::test]
async fn latency_adds_at_least_the_latency_and_jitter_stays_in_bounds() {
    let (g, addrs) = group(1).await;
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    let base = round_trip(&mut c, b"ping").await.unwrap();
    let t = Toxic::new(
        "lat",
        Fault::Latency {
            latency: 100,
            jitter: 20,
        },
        Link::into("n1"),
    )
    .direction(Direction::Downstream);
    g.apply(FaultSet::none().with(t)).await.unwrap();
    for _ in 0..5 {
        let rtt = round_trip(&mut c, b"ping").await.unwrap();
        assert!(
            rtt >= Duration::from_millis(80),
            "rtt {rtt:?} below latency - jitter"
        );
        assert!(
            rtt < Duration::from_millis(400),
            "rtt {rtt:?} far above latency + jitter (base {base:?})"
        );
    }
    g.apply(FaultSet::none()).await.unwrap();
    assert!(round_trip(&mut c, b"ping").await.unwrap() < Duration::from_millis(50));
}

#[tokio::test]
async fn bandwidth_limits_throughput() {
    let (g, addrs) = group(1).await;
    g.apply(on_n1("bw", Fault::Bandwidth { rate: 100 }).clone())
        .await
        .unwrap();
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    let t = Instant::now();
    round_trip(&mut c, &[3u8; 50_000]).await.unwrap();
    // 50 KB at 100 KB/s each way: at least 0.5 s (pipelined directions).
    assert!(
        t.elapsed() >= Duration::from_millis(450),
        "took {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn limit_data_closes_after_n_bytes() {
    let (g, addrs) = group(1).await;
    let t = Toxic::new("lim", Fault::LimitData { bytes: 1000 }, Link::into("n1"))
        .direction(Direction::Downstream);
    g.apply(FaultSet::none().with(t)).await.unwrap();
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    c.write_all(&[5u8; 5000]).await.unwrap();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got).await;
    assert_eq!(got.len(), 1000);
}

#[tokio::test]
async fn reset_peer_gives_econnreset() {
    let (g, addrs) = group(1).await;
    g.apply(on_n1("rst", Fault::ResetPeer { timeout: 100 }))
        .await
        .unwrap();
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 16];
    let err = c.read(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    assert!(
        t.elapsed() >= Duration::from_millis(90),
        "reset after {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn timeout_closes_after_the_timeout_and_passes_nothing() {
    let (g, addrs) = group(1).await;
    g.apply(on_n1("to", Fault::Timeout { timeout: 200 }))
        .await
        .unwrap();
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    let t = Instant::now();
    c.write_all(b"lost").await.unwrap();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got).await;
    assert!(got.is_empty());
    let e = t.elapsed();
    assert!(
        e >= Duration::from_millis(190) && e < Duration::from_secs(2),
        "closed after {e:?}"
    );
}

#[tokio::test]
async fn down_refuses_new_connections_and_closes_open_ones() {
    let (g, addrs) = group(1).await;
    let mut open = dial_from(ip(12), addrs[0]).await.unwrap();
    round_trip(&mut open, b"up").await.unwrap();
    g.apply(on_n1("down", Fault::Down)).await.unwrap();
    let err = dial_from(ip(12), addrs[0]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    let mut buf = [0u8; 4];
    let r = tokio::time::timeout(Duration::from_secs(1), open.read(&mut buf))
        .await
        .unwrap();
    assert!(
        matches!(r, Ok(0) | Err(_)),
        "open connection still alive: {r:?}"
    );
    // n2 is untouched, and n1 comes back when the fault goes.
    let mut other = dial_from(ip(12), addrs[1]).await.unwrap();
    round_trip(&mut other, b"n2").await.unwrap();
    g.apply(FaultSet::none()).await.unwrap();
    let mut again = dial_from(ip(12), addrs[0]).await.unwrap();
    round_trip(&mut again, b"back").await.unwrap();
}

#[tokio::test]
async fn partition_of_one_link_blocks_only_that_link() {
    let (g, addrs) = group(1).await;
    let mut n2_n1 = dial_from(ip(12), addrs[0]).await.unwrap();
    let mut n3_n1 = dial_from(ip(13), addrs[0]).await.unwrap();
    let mut n1_n2 = dial_from(ip(11), addrs[1]).await.unwrap();
    g.apply(FaultSet::partition(&[Link::between("n2", "n1")]))
        .await
        .unwrap();
    assert!(blocked_for(&mut n2_n1, b"blocked", Duration::from_millis(300)).await);
    round_trip(&mut n3_n1, b"n3 flows").await.unwrap();
    round_trip(&mut n1_n2, b"n1 to n2 flows").await.unwrap();
    let before = g.bytes()[&("n2".to_string(), "n1".to_string())];
    assert_eq!(before.downstream, 0, "bytes crossed a partitioned link");
    g.apply(FaultSet::none()).await.unwrap();
    let mut held = vec![0u8; 7];
    n2_n1.read_exact(&mut held).await.unwrap();
    assert_eq!(&held, b"blocked");
}

#[tokio::test]
async fn slicer_cuts_data_into_delayed_pieces() {
    let (g, addrs) = group(1).await;
    let f = Fault::Slicer {
        average_size: 10,
        size_variation: 5,
        delay: 2000,
    };
    let t = Toxic::new("sl", f, Link::into("n1")).direction(Direction::Downstream);
    g.apply(FaultSet::none().with(t)).await.unwrap();
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    let t = Instant::now();
    let msg: Vec<u8> = (0..200u8).collect();
    round_trip(&mut c, &msg).await.unwrap();
    // At most 15 bytes a piece: at least 14 pieces, 2 ms apart.
    assert!(
        t.elapsed() >= Duration::from_millis(26),
        "took {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn slow_close_delays_the_eof() {
    let (g, addrs) = group(1).await;
    let t = Toxic::new("sc", Fault::SlowClose { delay: 300 }, Link::into("n1"))
        .direction(Direction::Downstream);
    g.apply(FaultSet::none().with(t)).await.unwrap();
    let mut c = dial_from(ip(12), addrs[0]).await.unwrap();
    round_trip(&mut c, b"bye").await.unwrap();
    let t = Instant::now();
    c.shutdown().await.unwrap();
    let mut rest = Vec::new();
    c.read_to_end(&mut rest).await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(290),
        "eof after {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn down_from_one_source_closes_only_its_connections() {
    let (g, addrs) = group(1).await;
    let t = Toxic::new("down-n2", Fault::Down, Link::between("n2", "n1"));
    g.apply(FaultSet::none().with(t)).await.unwrap();
    let mut from_n2 = dial_from(ip(12), addrs[0]).await.unwrap();
    assert!(
        round_trip(&mut from_n2, b"x").await.is_err(),
        "n2 -> n1 should be closed"
    );
    let mut from_n3 = dial_from(ip(13), addrs[0]).await.unwrap();
    round_trip(&mut from_n3, b"n3 still gets in").await.unwrap();
}

#[tokio::test]
async fn a_bad_fault_set_is_refused_and_changes_nothing() {
    let (g, _) = group(1).await;
    let ok = on_n1(
        "lat",
        Fault::Latency {
            latency: 5,
            jitter: 0,
        },
    );
    g.apply(ok.clone()).await.unwrap();
    let too_likely = Toxic::new("p", Fault::Down, Link::into("n2")).toxicity(2.0);
    let err = g
        .apply(FaultSet::none().with(too_likely))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("toxicity 2 is not in 0..=1"),
        "{err}"
    );
    let twice = ok
        .clone()
        .with(Toxic::new("lat", Fault::Down, Link::into("n2")));
    let err = g.apply(twice).await.unwrap_err();
    assert!(
        err.to_string().contains("duplicate toxic name \"lat\""),
        "{err}"
    );
    assert_eq!(g.faults(), ok);
}

//! The gRPC control service over real sockets: a fault set applied through it acts
//! on connections, reads back unchanged, a bad one is refused and changes nothing,
//! and links and events are listed.

use super::common::{dial_from, group, ip, round_trip};
use rjepsen_proxy::grpc::{self, fault_set_from_pb, fault_set_to_pb, pb};
use rjepsen_proxy::{Fault, FaultSet, Link, Toxic};
use std::time::Duration;

#[tokio::test]
async fn faults_applied_over_grpc_act_read_back_and_bad_sets_change_nothing() {
    let (g, addrs) = group(1).await;
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = l.local_addr().unwrap();
    tokio::spawn(grpc::serve(g.clone(), l));
    let mut c = grpc::connect(api).await.unwrap();

    let mut s = dial_from(ip(12), addrs[0]).await.unwrap();
    round_trip(&mut s, b"hello").await.unwrap();
    let set = FaultSet::partition(&[Link::between("n2", "n1")]).with(
        Toxic::new(
            "slow",
            Fault::Latency {
                latency: 50,
                jitter: 0,
            },
            Link::into("n2"),
        )
        .toxicity(0.5),
    );
    let ns = c
        .apply(fault_set_to_pb(&set))
        .await
        .unwrap()
        .into_inner()
        .ns;
    assert!(ns > 0);
    let got = c
        .get_faults(pb::GetFaultsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fault_set_from_pb(got).unwrap(), set);
    let blocked = tokio::time::timeout(Duration::from_millis(300), round_trip(&mut s, b"x")).await;
    assert!(blocked.is_err(), "the partition n2 -> n1 let data through");

    let mut bad =
        fault_set_to_pb(&FaultSet::none().with(Toxic::new("t", Fault::Down, Link::into("n1"))));
    bad.toxics[0].toxicity = 2.0;
    let e = c.apply(bad).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(e.message().contains("toxicity 2"), "{}", e.message());
    assert_eq!(g.faults(), set, "a refused set changed the faults");

    c.clear(pb::ClearRequest {}).await.unwrap();
    assert!(g.faults().toxics.is_empty());
    let links = c
        .list_links(pb::ListLinksRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(links.proxies.len(), 2);
    let l = links
        .links
        .iter()
        .find(|l| l.from == "n2" && l.to == "n1")
        .expect("link n2 -> n1");
    assert!(l.upstream >= 5 && l.downstream >= 5, "{l:?}");
    let ev = c
        .read_events(pb::ReadEventsRequest { since: 0 })
        .await
        .unwrap()
        .into_inner();
    let changes = ev
        .events
        .iter()
        .filter(|e| matches!(e.kind, Some(pb::event::Kind::FaultChange(_))));
    assert_eq!(changes.count(), 2, "apply and clear");
    let later = c
        .read_events(pb::ReadEventsRequest { since: ev.next })
        .await
        .unwrap()
        .into_inner();
    assert!(later.events.is_empty() && later.next == ev.next);
}

use super::*;
use std::collections::BTreeMap;

const ETCD: Ports = Ports {
    client: 2379,
    peer: 2380,
};

fn book() -> AddrBook {
    AddrBook::direct(
        &[
            ("n1".into(), "10.60.0.11".parse().unwrap()),
            ("n2".into(), "10.60.0.12".parse().unwrap()),
        ],
        ETCD,
    )
}

/// The default book is what adapters built themselves before: the node's IP,
/// the DB's ports, listening where it is dialled.
#[test]
fn a_direct_book_dials_where_nodes_listen() {
    let b = book();
    assert_eq!(b.client("n1").unwrap().to_string(), "10.60.0.11:2379");
    assert_eq!(b.peer("n2").unwrap().to_string(), "10.60.0.12:2380");
    let n1 = b.get("n1").unwrap();
    assert_eq!((n1.listen_client, n1.listen_peer), (n1.client, n1.peer));
    assert_eq!(n1.ssh, "n1");
    assert!(!b.is_proxied());
    assert_eq!(b.node_at("10.60.0.12".parse().unwrap()), Some("n2"));
    assert_eq!(b.node_at("10.60.0.1".parse().unwrap()), None);
}

#[test]
fn a_missing_node_is_named_with_the_known_ones() {
    let err = book().client("n9").unwrap_err().to_string();
    assert!(err.contains("n9") && err.contains("n1, n2"), "{err}");
}

#[test]
fn a_literal_socket_address_keeps_its_port() {
    let n = NodeAddrs::at("127.0.0.1:23790", "127.0.0.1:23790".parse().unwrap(), 2380);
    assert_eq!(n.client.port(), 23790);
    assert_eq!(n.peer.to_string(), "127.0.0.1:2380");
}

/// A proxy changes what is dialled, never what the node listens on.
#[test]
fn proxied_books_change_dial_addresses_only() {
    let b = book();
    let dial: BTreeMap<String, (std::net::SocketAddr, std::net::SocketAddr)> = [(
        "n1".to_string(),
        (
            "10.60.0.1:40001".parse().unwrap(),
            "10.60.0.1:40002".parse().unwrap(),
        ),
    )]
    .into_iter()
    .collect();
    let p = b.proxied(&dial);
    assert!(p.is_proxied());
    let n1 = p.get("n1").unwrap();
    assert_eq!(n1.client.to_string(), "10.60.0.1:40001");
    assert_eq!(n1.peer.to_string(), "10.60.0.1:40002");
    assert_eq!(n1.listen_peer.to_string(), "10.60.0.11:2380");
    assert_eq!(p.get("n2").unwrap(), b.get("n2").unwrap());
    assert_eq!(p.node_at("10.60.0.11".parse().unwrap()), Some("n1"));
}

#[test]
fn books_round_trip_through_json() {
    let b = book();
    let text = serde_json::to_string(&b).unwrap();
    assert!(
        text.contains("\"listen_peer\":\"10.60.0.11:2380\""),
        "{text}"
    );
    let back: AddrBook = serde_json::from_str(&text).unwrap();
    assert_eq!(back, b);
}

#[cfg(feature = "control")]
mod resolving {
    use super::*;
    use crate::control::LocalRemote;

    #[tokio::test]
    async fn literals_and_names_resolve_and_unknown_names_are_named() {
        let nodes = vec!["10.1.2.3".to_string(), "127.0.0.1:23790".to_string()];
        let b = resolve(&nodes, &LocalRemote::new(), ETCD).await.unwrap();
        assert_eq!(b.client("10.1.2.3").unwrap().to_string(), "10.1.2.3:2379");
        assert_eq!(
            b.client("127.0.0.1:23790").unwrap().to_string(),
            "127.0.0.1:23790"
        );
        // LocalRemote runs getent here; the name exists nowhere.
        let bad = vec!["no-such-host.invalid".to_string()];
        let err = resolve(&bad, &LocalRemote::new(), ETCD)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("no-such-host.invalid"), "{err}");
    }

    #[test]
    fn the_control_address_toward_loopback_is_loopback() {
        let ip = control_address_toward("127.0.0.1".parse().unwrap()).unwrap();
        assert!(ip.is_loopback(), "{ip}");
    }
}

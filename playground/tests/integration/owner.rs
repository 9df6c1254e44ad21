//! Which process holds a connecting socket, found through /proc with real sockets:
//! children of this test (bash with `/dev/tcp`) connect, and the lookup must name
//! each by its PID, and name nobody for a socket no known process holds.

use rjepsen_playground::SocketOwners;
use rjepsen_proxy::SourceLookup;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::Duration;

/// A bash that opens a connection to `port` and holds it for a while.
fn holder(port: u16) -> Child {
    let script = format!("exec 3<>/dev/tcp/127.0.0.1/{port}; sleep 20");
    Command::new("bash")
        .args(["-c", &script])
        .spawn()
        .expect("bash")
}

#[test]
fn each_connection_is_named_by_the_process_that_holds_it() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let owners = SocketOwners::new();
    let mut children = Vec::new();
    for node in ["n1", "n2", "n3"] {
        let c = holder(port);
        owners.set(node, Some(c.id()));
        let (s, peer) = l.accept().unwrap();
        children.push((node, c, s, peer));
    }
    for (node, _, s, peer) in &children {
        let local = s.local_addr().unwrap();
        assert_eq!(owners.source_of(*peer, local).as_deref(), Some(*node));
    }
    // A connection from this process: no node holds it.
    let mine = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (s, peer) = l.accept().unwrap();
    assert_eq!(peer, mine.local_addr().unwrap());
    assert_eq!(owners.source_of(peer, s.local_addr().unwrap()), None);
    // Forgetting a node's PID forgets its connections.
    owners.set("n2", None);
    let (_, _, s2, peer2) = &children[1];
    assert_eq!(owners.source_of(*peer2, s2.local_addr().unwrap()), None);
    for (_, mut c, _, _) in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

#[test]
fn a_closed_connection_has_no_owner() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut c = holder(port);
    let owners = SocketOwners::new();
    owners.set("n1", Some(c.id()));
    let (s, peer) = l.accept().unwrap();
    let local = s.local_addr().unwrap();
    assert_eq!(owners.source_of(peer, local).as_deref(), Some("n1"));
    c.kill().unwrap();
    c.wait().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(owners.source_of(peer, local), None);
}

//! The HTTP/1.1 mode against a real HTTP server (axum/hyper) and real clients
//! (curl, and raw sockets where the exact bytes matter): keep-alive, chunked
//! bodies, holding and releasing one request while another passes, hold
//! timeouts, injected answers, and the fallback to plain forwarding.

use super::common::echo_server;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use rjepsen_proxy::http1::{HttpEventKind, Match, Rule};
use rjepsen_proxy::{HttpEvent, HttpProxy, ProxySpec};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const T_A: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const T_B: &str = "0af7651916cd43dd8448eb211c80319c";
const WAIT: Duration = Duration::from_secs(5);

/// A real HTTP server: `GET /stock/{id}`, `POST /echo`, `POST /orders/{id}`;
/// counts the requests it served.
async fn upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    let served = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route(
            "/stock/:id",
            get(
                |Path(id): Path<String>, State(n): State<Arc<AtomicUsize>>| async move {
                    n.fetch_add(1, Ordering::SeqCst);
                    format!("stock {id}")
                },
            ),
        )
        .route(
            "/echo",
            post(
                |State(n): State<Arc<AtomicUsize>>, body: String| async move {
                    n.fetch_add(1, Ordering::SeqCst);
                    body
                },
            ),
        )
        .route(
            "/orders/:id",
            post(|State(n): State<Arc<AtomicUsize>>| async move {
                n.fetch_add(1, Ordering::SeqCst);
                "ordered"
            }),
        )
        .with_state(served.clone());
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await });
    (addr, served)
}

async fn proxy_to(upstream: SocketAddr) -> HttpProxy {
    let spec = ProxySpec::new("inventory", "127.0.0.1:0".parse().unwrap(), upstream);
    HttpProxy::start(&spec, Instant::now()).await.unwrap()
}

fn get_req(path: &str, trace: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\ntraceparent: 00-{trace}-00f067aa0ba902b7-01\r\n\r\n")
}

/// Reads one Content-Length-framed response: (status, body).
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> (u16, String) {
    loop {
        let mut hs = [httparse::EMPTY_HEADER; 32];
        let mut r = httparse::Response::new(&mut hs);
        if let httparse::Status::Complete(n) = r.parse(buf).unwrap() {
            let len: usize = r
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                .unwrap_or(0);
            let status = r.code.unwrap();
            if buf.len() >= n + len {
                let body = String::from_utf8(buf[n..n + len].to_vec()).unwrap();
                buf.drain(..n + len);
                return (status, body);
            }
        }
        let mut chunk = [0u8; 4096];
        let k = s.read(&mut chunk).await.unwrap();
        assert!(k > 0, "connection closed before a whole response");
        buf.extend_from_slice(&chunk[..k]);
    }
}

/// The kinds of request `req`'s events, in order.
fn kinds(events: &[HttpEvent], req: u64) -> Vec<HttpEventKind> {
    events
        .iter()
        .filter(|e| e.req == req)
        .map(|e| e.kind.clone())
        .collect()
}

#[tokio::test]
async fn keep_alive_requests_with_bodies_are_forwarded_and_logged() {
    let (up, served) = upstream().await;
    let p = proxy_to(up).await;
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    let chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let sized = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd";
    // All three written at once: pipelined on one connection.
    let all = format!("{}{chunked}{sized}", get_req("/stock/7?x=1", T_A));
    s.write_all(all.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(read_response(&mut s, &mut buf).await);
    }
    assert_eq!(
        got,
        [
            (200, "stock 7".into()),
            (200, "hello world".into()),
            (200, "abcd".into())
        ]
    );
    assert_eq!(served.load(Ordering::SeqCst), 3);
    let ev = p.events();
    let completed = HttpEventKind::Completed { status: 200 };
    for req in 1..=3 {
        assert_eq!(
            kinds(&ev, req),
            [
                HttpEventKind::Arrived,
                HttpEventKind::Passed,
                completed.clone()
            ]
        );
    }
    assert!(ev.iter().all(|e| e.conn == 1), "one connection: {ev:?}");
    assert!(ev.windows(2).all(|w| w[0].ns <= w[1].ns));
    let first = &ev[0];
    assert_eq!(
        (
            first.method.as_str(),
            first.path(),
            first.trace_id.as_deref()
        ),
        ("GET", "/stock/7", Some(T_A))
    );
    assert_eq!(p.fallbacks(), 0);
}

#[tokio::test]
async fn a_held_request_waits_while_another_passes_then_goes_on_when_released() {
    let (up, _) = upstream().await;
    let p = proxy_to(up).await;
    let rule = p.add_rule(Rule::hold(
        Match::any().method("GET").path("/stock/*").trace_id(T_A),
        WAIT * 2,
    ));
    let addr = p.addr();
    let a = tokio::spawn(async move {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(get_req("/stock/7", T_A).as_bytes())
            .await
            .unwrap();
        read_response(&mut s, &mut Vec::new()).await
    });
    let held = p
        .wait_for(|e| matches!(e.kind, HttpEventKind::Held { .. }), WAIT)
        .await
        .expect("A held");
    assert_eq!(held.trace_id.as_deref(), Some(T_A));
    // B (another trace) on the same path is not held.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(get_req("/stock/7", T_B).as_bytes())
        .await
        .unwrap();
    assert_eq!(
        read_response(&mut s, &mut Vec::new()).await,
        (200, "stock 7".into())
    );
    let b_done = p
        .wait_for(
            |e| {
                e.trace_id.as_deref() == Some(T_B)
                    && matches!(e.kind, HttpEventKind::Completed { .. })
            },
            WAIT,
        )
        .await
        .unwrap();
    assert!(!a.is_finished(), "A answered while held");
    assert!(p.release(rule));
    assert_eq!(a.await.unwrap(), (200, "stock 7".into()));
    let ev = p.events();
    let a_kinds = kinds(&ev, held.req);
    let released = HttpEventKind::Released {
        rule,
        timed_out: false,
    };
    assert_eq!(
        a_kinds[1..],
        [
            HttpEventKind::Held { rule },
            released,
            HttpEventKind::Passed,
            HttpEventKind::Completed { status: 200 }
        ]
    );
    let a_passed = ev
        .iter()
        .find(|e| e.req == held.req && e.kind == HttpEventKind::Passed)
        .unwrap();
    assert!(
        held.ns < b_done.ns && b_done.ns < a_passed.ns,
        "A passed after B completed"
    );
}

#[tokio::test]
async fn a_hold_times_out_and_the_request_is_forwarded() {
    let (up, _) = upstream().await;
    let p = proxy_to(up).await;
    let rule = p.add_rule(Rule::hold(
        Match::any().trace_id(T_A),
        Duration::from_millis(200),
    ));
    let t0 = Instant::now();
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    s.write_all(get_req("/stock/1", T_A).as_bytes())
        .await
        .unwrap();
    assert_eq!(
        read_response(&mut s, &mut Vec::new()).await,
        (200, "stock 1".into())
    );
    assert!(t0.elapsed() >= Duration::from_millis(200));
    assert!(kinds(&p.events(), 1).contains(&HttpEventKind::Released {
        rule,
        timed_out: true
    }));
}

#[tokio::test]
async fn a_respond_rule_answers_instead_of_the_upstream_and_keeps_the_connection() {
    let (up, served) = upstream().await;
    let p = proxy_to(up).await;
    let rule = p.add_rule(Rule::respond(
        Match::any().method("POST").path("/orders/*"),
        503,
        "injected",
    ));
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    let order = "POST /orders/9 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    s.write_all(format!("{order}{}", get_req("/stock/2", T_B)).as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    assert_eq!(
        read_response(&mut s, &mut buf).await,
        (503, "injected".into())
    );
    assert_eq!(
        read_response(&mut s, &mut buf).await,
        (200, "stock 2".into())
    );
    assert_eq!(
        served.load(Ordering::SeqCst),
        1,
        "the order never reached the upstream"
    );
    assert_eq!(
        kinds(&p.events(), 1),
        [
            HttpEventKind::Arrived,
            HttpEventKind::Answered { rule, status: 503 }
        ]
    );
}

#[tokio::test]
async fn non_http_bytes_fall_back_to_plain_forwarding() {
    let p = proxy_to(echo_server().await).await;
    let mut s = TcpStream::connect(p.addr()).await.unwrap();
    let hello: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    s.write_all(&hello).await.unwrap();
    let mut back = vec![0u8; hello.len()];
    s.read_exact(&mut back).await.unwrap();
    assert!(back == hello, "bytes changed in the fallback");
    assert_eq!(p.fallbacks(), 1);
    assert!(matches!(p.events()[0].kind, HttpEventKind::Fallback { .. }));
}

#[tokio::test]
async fn curl_reuses_one_connection_through_the_proxy() {
    let (up, _) = upstream().await;
    let p = proxy_to(up).await;
    let base = format!("http://{}", p.addr());
    let tp = format!("traceparent: 00-{T_A}-00f067aa0ba902b7-01");
    let out = tokio::process::Command::new("curl")
        .args([
            "-sS",
            "-H",
            &tp,
            &format!("{base}/stock/1"),
            &format!("{base}/stock/2"),
        ])
        .args(["--next", "-sS", "-d", "x=1", &format!("{base}/echo")])
        .output()
        .await
        .expect("curl runs (scripts/setup.sh --test-deps installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "stock 1stock 2x=1");
    let done: Vec<(u64, String)> = p
        .events()
        .into_iter()
        .filter(|e| matches!(e.kind, HttpEventKind::Completed { status: 200 }))
        .map(|e| (e.conn, e.target))
        .collect();
    assert_eq!(
        done,
        [
            (1, "/stock/1".into()),
            (1, "/stock/2".into()),
            (1, "/echo".into())
        ]
    );
}

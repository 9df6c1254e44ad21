//! The toxiproxy-compatible HTTP API, driven with plain HTTP/1.1 requests as
//! toxiproxy's clients send them.

use super::common::*;
use rjepsen_proxy::{http, Anonymous, ProxyGroup};
use serde_json::{json, Value};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn api() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(http::serve(ProxyGroup::new(9, Anonymous), l));
    addr
}

/// One request on a fresh connection; returns the status and the JSON body (or Null).
async fn call(api: SocketAddr, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut s = TcpStream::connect(api).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    let status = resp[9..12].parse().unwrap();
    let payload = resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(payload).unwrap_or(Value::Null))
}

async fn rtt(listen: &str) -> Duration {
    let mut c = TcpStream::connect(listen).await.unwrap();
    round_trip(&mut c, b"ping").await.unwrap()
}

#[tokio::test]
async fn toxiproxy_clients_can_create_proxies_and_toxics() {
    let api = api().await;
    let echo = echo_server().await;
    assert_eq!(call(api, "GET", "/version", None).await.0, 200);
    let create = json!({ "name": "redis", "listen": "127.0.0.1:0", "upstream": echo.to_string() });
    let (code, proxy) = call(api, "POST", "/proxies", Some(create.clone())).await;
    assert_eq!(code, 201, "{proxy}");
    assert_eq!(
        (proxy["name"].as_str(), proxy["enabled"].as_bool()),
        (Some("redis"), Some(true))
    );
    assert_eq!(call(api, "POST", "/proxies", Some(create)).await.0, 409);
    let listen = proxy["listen"].as_str().unwrap().to_string();
    assert!(rtt(&listen).await < Duration::from_millis(50));

    let latency = json!({ "type": "latency", "attributes": { "latency": 100 } });
    let (code, toxic) = call(api, "POST", "/proxies/redis/toxics", Some(latency)).await;
    assert_eq!(code, 200, "{toxic}");
    let want = json!({ "name": "latency_downstream", "type": "latency", "stream": "downstream",
                       "toxicity": 1.0, "attributes": { "latency": 100, "jitter": 0 } });
    assert_eq!(toxic, want);
    assert!(rtt(&listen).await >= Duration::from_millis(100));
    let (_, all) = call(api, "GET", "/proxies", None).await;
    assert_eq!(all["redis"]["toxics"].as_array().unwrap().len(), 1, "{all}");

    let update = json!({ "attributes": { "latency": 0 } });
    let (code, toxic) = call(
        api,
        "POST",
        "/proxies/redis/toxics/latency_downstream",
        Some(update),
    )
    .await;
    assert_eq!(
        (code, toxic["attributes"]["latency"].as_u64()),
        (200, Some(0))
    );
    assert!(rtt(&listen).await < Duration::from_millis(50));
    let (code, err) = call(
        api,
        "POST",
        "/proxies/redis/toxics",
        Some(json!({ "type": "nonsense" })),
    )
    .await;
    assert_eq!((code, err["status"].as_u64()), (400, Some(400)), "{err}");
    assert!(err["error"].as_str().unwrap().contains("nonsense"), "{err}");
}

#[tokio::test]
async fn disable_reset_and_delete_behave_as_toxiproxy() {
    let api = api().await;
    let echo = echo_server().await;
    let create = json!({ "name": "pg", "upstream": echo.to_string() });
    let (_, proxy) = call(api, "POST", "/proxies", Some(create)).await;
    let listen = proxy["listen"].as_str().unwrap().to_string();
    let reset = json!({ "type": "reset_peer", "stream": "upstream", "toxicity": 1.0 });
    assert_eq!(
        call(api, "POST", "/proxies/pg/toxics", Some(reset)).await.0,
        200
    );

    let (code, p) = call(
        api,
        "POST",
        "/proxies/pg",
        Some(json!({ "enabled": false })),
    )
    .await;
    assert_eq!((code, p["enabled"].as_bool()), (200, Some(false)));
    assert_eq!(
        TcpStream::connect(&listen).await.unwrap_err().kind(),
        ErrorKind::ConnectionRefused
    );

    assert_eq!(call(api, "POST", "/reset", None).await.0, 204);
    let (_, p) = call(api, "GET", "/proxies/pg", None).await;
    assert_eq!(
        (p["enabled"].as_bool(), p["toxics"].as_array().map(Vec::len)),
        (Some(true), Some(0)),
        "{p}"
    );
    assert!(rtt(&listen).await < Duration::from_millis(50));

    let (_, status) = call(api, "GET", "/status", None).await;
    assert!(
        status["links"][0]["upstream"].as_u64().unwrap() >= 4,
        "{status}"
    );
    assert_eq!(
        call(api, "DELETE", "/proxies/pg/toxics/none", None).await.0,
        404
    );
    assert_eq!(call(api, "DELETE", "/proxies/pg", None).await.0, 204);
    let (code, err) = call(api, "GET", "/proxies/pg", None).await;
    assert_eq!(
        (code, err["error"].as_str()),
        (404, Some("proxy not found"))
    );
}

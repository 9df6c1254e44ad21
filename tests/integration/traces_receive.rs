//! `rjepsen traces receive` as a user runs it: it prints the exporter settings
//! for the ports it bound, stores an OTLP/HTTP JSON export, stops on SIGINT with
//! the counts, and `rjepsen traces analyze` reads the directory it wrote.

use super::cli::rjepsen;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

const SPAN: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"orders"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET /orders/1","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000","attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}}]}]}]}]}"#;

#[test]
fn receive_stores_an_export_and_analyze_reads_it() {
    let dir = std::env::temp_dir().join(format!("rjepsen-receive-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("spans");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rjepsen"))
        .args(["traces", "receive", "--out", out.to_str().unwrap()])
        .args(["--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = [String::new(), String::new()];
    for l in &mut lines {
        stdout.read_line(l).unwrap();
    }
    assert!(
        lines[0].contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc"),
        "{lines:?}"
    );
    let http = lines[1].split_whitespace().next().unwrap();
    let addr = http
        .strip_prefix("OTEL_EXPORTER_OTLP_ENDPOINT=http://")
        .unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        SPAN.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(SPAN.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(rest.contains("received 1 spans in 1 requests"), "{rest}");
    let analyzed = rjepsen(&[
        "traces",
        "analyze",
        out.to_str().unwrap(),
        "--out",
        dir.join("pairs").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&analyzed.stdout);
    assert!(text.starts_with("traces 1, steps 1, flows 1"), "{text}");
}

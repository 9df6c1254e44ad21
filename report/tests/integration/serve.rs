//! The HTTP server on 127.0.0.1 with port 0: the index of runs, its filters,
//! files and reports, and refusal of every path outside the store.

use super::common::*;
use rjepsen_report::Server;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

fn start(store: &Path) -> SocketAddr {
    let server = Server::bind(store, "127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    std::thread::spawn(move || server.run());
    addr
}

/// Sends a raw request (the path exactly as given) and returns (status, body).
fn request(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |b| b.1).to_string();
    (status, body)
}

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    request(addr, "GET", path)
}

/// The run directories listed, in page order.
fn listed(body: &str) -> Vec<String> {
    body.split("<tr class=\"run\"")
        .skip(1)
        .map(|row| {
            let files = row.find("\">files</a>").unwrap();
            let start = row[..files].rfind("href=\"/").unwrap() + 7;
            row[start..files].trim_end_matches('/').to_string()
        })
        .collect()
}

#[test]
fn index_lists_runs_newest_first_once_each() {
    let store = fixture_store();
    let addr = start(&store);
    let (status, body) = get(addr, "/");
    assert_eq!(status, 200);
    assert_eq!(
        listed(&body),
        vec![SET, UNKNOWN, INTERRUPTED, INVALID, VALID]
    );
    assert!(body.contains("5 of 5 runs"));
    for col in ["name", "time", "verdict", "workload", "nemesis", "duration"] {
        assert!(body.contains(&format!("<th>{col}</th>")), "{col} column");
    }
    assert!(body.contains("<span class=\"badge unchecked\">not checked</span> <span class=\"badge interrupted\">interrupted</span>"));
    assert!(body.contains("<td>partition, pause</td><td>21.0 s</td>"));
    // No report written yet: the name is not a link; after writing one, it is.
    assert!(!body.contains("report.html"));
    rjepsen_report::write_report(&store.join(VALID)).unwrap();
    let (_, body) = get(addr, "/");
    assert!(body.contains(&format!(
        "<a href=\"/{VALID}/report.html\">etcd-register</a>"
    )));
    let (status, report) = get(addr, &format!("/{VALID}/report.html"));
    assert_eq!(status, 200);
    assert!(report.contains("id=\"latency-plot\""));
}

#[test]
fn index_filters_by_name_and_verdict() {
    let store = fixture_store();
    let addr = start(&store);
    let cases: [(&str, &[&str]); 6] = [
        ("/?verdict=invalid", &[SET, INVALID]),
        ("/?name=REGISTER", &[INVALID, VALID]),
        ("/?name=etcd-set&verdict=not+checked", &[INTERRUPTED]),
        ("/?verdict=interrupted", &[INTERRUPTED]),
        ("/?name=append&verdict=unknown", &[UNKNOWN]),
        ("/?name=nothing-like-this&verdict=all", &[]),
    ];
    for (query, want) in cases {
        let (status, body) = get(addr, query);
        assert_eq!(status, 200, "{query}");
        assert_eq!(listed(&body), want.to_vec(), "{query}");
    }
    let (_, body) = get(addr, "/?name=%3Cscript%3E");
    assert!(body.contains("value=\"&lt;script&gt;\"") && !body.contains("<script>"));
}

#[test]
fn files_and_directories_are_served() {
    let store = fixture_store();
    let addr = start(&store);
    let (status, body) = get(addr, &format!("/{INVALID}/history.jsonl"));
    assert_eq!(status, 200);
    assert_eq!(
        body,
        std::fs::read_to_string(store.join(INVALID).join("history.jsonl")).unwrap()
    );
    let (status, body) = get(addr, &format!("/{INVALID}/nodes/n3/etcd.log"));
    assert_eq!(
        (status, body.as_str()),
        (200, "n3: etcd started\nn3: raft: elected leader\n")
    );
    let (status, body) = get(addr, &format!("/{INVALID}/"));
    assert_eq!(status, 200);
    assert!(
        body.contains("<a href=\"linear-3.svg\">")
            && body.contains("<a href=\"nodes/\">nodes/</a>")
    );
    assert_eq!(get(addr, &format!("/{INVALID}")).0, 301);
    assert_eq!(
        get(addr, "/latest/test.json").0,
        200,
        "links inside the store are followed"
    );
    assert_eq!(get(addr, "/no/such/file").0, 404);
    assert_eq!(request(addr, "POST", "/").0, 405);
    let (status, body) = request(addr, "HEAD", &format!("/{INVALID}/test.json"));
    assert_eq!((status, body.as_str()), (200, ""));
}

#[test]
fn paths_outside_the_store_are_refused() {
    let store = fixture_store();
    std::os::unix::fs::symlink("/etc", store.join("escape")).unwrap();
    let addr = start(&store);
    let bad = [
        "/../etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/etcd-set/..%2f..%2f..%2fetc/passwd",
        "/etcd-set/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/./test.json",
        "/escape/passwd",
        "/..\\..\\etc\\passwd",
        "/%00/etc/passwd",
    ];
    for path in bad {
        let (status, body) = get(addr, path);
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!body.contains("root:"), "{path} leaked /etc/passwd");
    }
    assert_eq!(get(addr, "/escape/passwd").0, 403);
    assert_eq!(get(addr, "/../etc/passwd").0, 403);
}

/// Two real campaigns of `rjepsen test-all` (8 short etcd runs each, on
/// namespace nodes; fixtures/campaigns, made by scripts/bench-test-all.sh).
fn campaign_store() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/campaigns")
}

#[test]
fn campaigns_page_lists_campaigns_newest_first() {
    let addr = start(&campaign_store());
    let (status, body) = get(addr, "/campaigns/");
    assert_eq!(status, 200);
    assert!(body.contains("2 campaigns"));
    let newer = body.find(">20261201T230241.571Z</a>").unwrap();
    let older = body.find(">20261201T230149.101Z</a>").unwrap();
    assert!(newer < older, "newest first");
    assert_eq!(count(&body, "<tr class=\"campaign\">"), 2);
    assert!(body.contains("<a href=\"/trends/etcd-set-partition\">etcd-set-partition (seed 2)</a> <span class=\"badge valid\">valid</span>"));
    assert!(body.contains("href=\"/campaigns/20261201T230241.571Z/junit.xml\""));
    // A campaign's own files are served from its directory.
    let (status, md) = get(addr, "/campaigns/20261201T230149.101Z/summary.md");
    assert_eq!(status, 200);
    assert!(md.starts_with("# rjepsen campaign 20261201T230149.101Z"));
    assert_eq!(get(addr, "/campaigns").0, 301);
}

#[test]
fn trend_page_plots_every_run_of_a_test_with_links_to_reports() {
    let store = campaign_store();
    let addr = start(&store);
    let (status, body) = get(addr, "/trends/etcd-register-partition");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("4 runs in 2 campaigns"));
    let verdicts = &body[body.find("id=\"verdicts\"").unwrap()..];
    let verdicts = &verdicts[..verdicts.find("</div>").unwrap()];
    assert_eq!(count(verdicts, "<span class=\"badge valid\">"), 4);
    for id in ["throughput-trend", "latency-trend"] {
        assert!(
            body.contains(&format!("<div class=\"plot\" id=\"{id}\"><svg")),
            "{id}"
        );
    }
    // One linked point per run in the throughput plot, three (p50, p95, p99)
    // in the latency plot; each link is a run directory of the store.
    let circles = count(&body, "<circle class=\"point valid\"");
    assert_eq!(circles, 4 + 3 * 4);
    for link in body
        .split("<a href=\"/")
        .skip(1)
        .filter(|l| l.contains("report.html\"><circle"))
    {
        let dir = &link[..link.find("/report.html").unwrap()];
        assert!(store.join(dir).join("test.json").is_file(), "{dir}");
    }
    assert_eq!(count(&body, "<tr class=\"trend-run\">"), 4);
    assert_eq!(get(addr, "/trends/no-such-test").0, 404);
}

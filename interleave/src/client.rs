//! A minimal HTTP/1.1 client for the root requests: one connection per request
//! (`Connection: close`), so that the two requests of an attempt never share a
//! socket and their order on the wire is the engine's. Responses are framed by
//! `Content-Length`, `chunked` or the close.

use serde::Serialize;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request to send: absolute URL (`http://host:port/path`), headers, body.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What came back; `error` instead of a status when there was no response.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HttpResponse {
    pub status: Option<u16>,
    pub body: String,
    pub error: Option<String>,
    /// Sent and answered, in ns since the run's epoch.
    pub sent_ns: u64,
    pub done_ns: u64,
}

/// Sends `req` and reads the whole response, giving up after `timeout`.
pub async fn send(req: &HttpRequest, epoch: Instant, timeout: Duration) -> HttpResponse {
    let sent_ns = epoch.elapsed().as_nanos() as u64;
    let result = tokio::time::timeout(timeout, exchange(req)).await;
    let done_ns = epoch.elapsed().as_nanos() as u64;
    let (status, body, error) = match result {
        Ok(Ok((s, b))) => (Some(s), b, None),
        Ok(Err(e)) => (None, String::new(), Some(e)),
        Err(_) => (
            None,
            String::new(),
            Some(format!("no response in {timeout:?}")),
        ),
    };
    HttpResponse {
        status,
        body,
        error,
        sent_ns,
        done_ns,
    }
}

fn authority_and_path(url: &str) -> Result<(&str, &str), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// URL: {url}"))?;
    Ok(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    })
}

async fn exchange(req: &HttpRequest) -> Result<(u16, String), String> {
    let (authority, path) = authority_and_path(&req.url)?;
    let mut s = TcpStream::connect(authority)
        .await
        .map_err(|e| format!("connect {authority}: {e}"))?;
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n",
        req.method
    );
    for (k, v) in &req.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", req.body.len()));
    s.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(req.body.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)
        .await
        .map_err(|e| format!("read: {e}"))?;
    parse(&buf)
}

fn parse(buf: &[u8]) -> Result<(u16, String), String> {
    let mut hs = [httparse::EMPTY_HEADER; 64];
    let mut r = httparse::Response::new(&mut hs);
    let n = match r.parse(buf).map_err(|e| format!("bad response: {e}"))? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Err("connection closed mid-response".into()),
    };
    let header = |name: &str| {
        r.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let rest = &buf[n..];
    let body = if header("transfer-encoding").is_some_and(|t| t.ends_with("chunked")) {
        dechunk(rest)?
    } else if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        rest[..len.min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    Ok((
        r.code.unwrap_or(0),
        String::from_utf8_lossy(&body).to_string(),
    ))
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk")?;
        let size = String::from_utf8_lossy(&b[..eol]);
        let size = size.split(';').next().unwrap_or("").trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size {size:?}"))?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses() {
        let cases: [(&[u8], (u16, &str)); 3] = [
            (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokXX", (200, "ok")),
            (b"HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n", (409, "abcd")),
            (b"HTTP/1.0 200 OK\r\n\r\nall of it", (200, "all of it")),
        ];
        for (raw, (status, body)) in cases {
            assert_eq!(parse(raw).unwrap(), (status, body.to_string()));
        }
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-").is_err());
    }
}

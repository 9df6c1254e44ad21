//! A minimal HTTP/1.1 client for the shop's JSON endpoints: one request per
//! connection (`Connection: close`), the body read to its `Content-Length`
//! or to the end.
//!
//! Hand-written rather than a client library because it must say exactly
//! *when* a request failed: a connection that was never made means the request
//! never reached the shop (`NotApplied`), while one that broke after the
//! request was sent may have taken effect (`Unknown`) — core's rule
//! (`op_client`) turns those into `fail` and `info`.

use rjepsen_core::op_client::OpError;
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An answer: the status and the body as JSON (`null` if it was not JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// Sends `method path` with `body` (JSON, if any) to `addr`.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Answer, OpError> {
    let mut conn = TcpStream::connect(addr)
        .await
        .map_err(|e| OpError::NotApplied(format!("failed to connect to {addr}: {e}")))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    );
    let sent = async {
        conn.write_all(head.as_bytes()).await?;
        conn.write_all(payload.as_bytes()).await?;
        let mut raw = Vec::new();
        conn.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = sent
        .await
        .map_err(|e| OpError::Unknown(format!("{method} {path} at {addr}: {e}")))?;
    parse(&raw).map_err(|e| OpError::Unknown(format!("{method} {path} at {addr}: {e}")))
}

/// Parses a whole response (status line, headers, body).
pub fn parse(raw: &[u8]) -> Result<Answer, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the connection closed before the response's headers ended")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status_line = head.lines().next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("malformed status line {status_line:?}"))?;
    let mut body = &raw[split + 4..];
    let length = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    if let Some(n) = length {
        if body.len() < n {
            return Err(format!("the body ended after {} of {n} bytes", body.len()));
        }
        body = &body[..n];
    }
    let body = serde_json::from_slice(body).unwrap_or(Value::Null);
    Ok(Answer { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn responses_parse_and_a_short_body_is_an_error() {
        let ok = b"HTTP/1.1 201 CREATED\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\": 1}\n\n\nextra";
        assert_eq!(
            parse(ok).unwrap(),
            Answer {
                status: 201,
                body: json!({"a": 1})
            }
        );
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{}";
        assert!(parse(short).unwrap_err().contains("2 of 50"));
        assert!(parse(b"HTTP/1.1 200 OK\r\nServer: x").is_err());
        let text = b"HTTP/1.1 500 INTERNAL SERVER ERROR\r\n\r\n<html>";
        assert_eq!(parse(text).unwrap().status, 500);
    }
}

//! HTTP/1.1 framing on a buffered socket: where a request or response head ends,
//! what it says (method, target, status, `traceparent`, keep-alive), and how long
//! its body is (`Content-Length`, `chunked`, or until the connection closes).
//!
//! Messages are forwarded as the bytes that arrived, never re-encoded: the parser
//! only finds boundaries, so a proxied exchange is byte-identical to a direct one.
//! Anything it cannot frame is a [`ReadError::Parse`], and the connection falls
//! back to plain forwarding of everything from that byte on.

use std::io;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The largest head (request line + headers) read before giving up on framing.
const MAX_HEAD: usize = 64 * 1024;
/// The largest body held in memory; a larger one falls back to plain forwarding.
const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_HEADERS: usize = 100;

/// How a message's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    None,
    Length(usize),
    Chunked,
    /// A response without length: the body runs until the upstream closes.
    UntilClose,
}

/// A parsed head: what the rules and events need, and where the head ends.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub method: String,
    pub target: String,
    pub status: u16,
    pub trace_id: Option<String>,
    /// The sender will close after this message (`Connection: close`, HTTP/1.0).
    pub close: bool,
    /// `Upgrade`/`CONNECT`/101: bytes after this are not HTTP.
    pub upgrade: bool,
    pub framing: Framing,
    pub len: usize,
}

#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed with nothing buffered: a clean end between messages.
    Eof,
    Io,
    /// Not HTTP/1.x as far as the parser can tell; the reason is counted.
    Parse(String),
}

/// A socket with the bytes read from it but not yet consumed.
pub(crate) struct Buffered {
    pub stream: TcpStream,
    pub buf: Vec<u8>,
}

impl Buffered {
    pub fn new(stream: TcpStream) -> Buffered {
        Buffered {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads more; `Ok(0)` at EOF.
    async fn fill(&mut self) -> io::Result<usize> {
        self.buf.reserve(16 * 1024);
        self.stream.read_buf(&mut self.buf).await
    }

    /// Reads until `parse` finds a complete head in the buffer.
    pub async fn head<F>(&mut self, parse: F) -> Result<Head, ReadError>
    where
        F: Fn(&[u8]) -> Result<Option<Head>, String>,
    {
        loop {
            if !self.buf.is_empty() {
                if let Some(h) = parse(&self.buf).map_err(ReadError::Parse)? {
                    return Ok(h);
                }
                if self.buf.len() > MAX_HEAD {
                    return Err(ReadError::Parse(format!("head over {MAX_HEAD} bytes")));
                }
            }
            match self.fill().await {
                Ok(0) if self.buf.is_empty() => return Err(ReadError::Eof),
                Ok(0) => return Err(ReadError::Parse("connection closed mid-head".into())),
                Ok(_) => {}
                Err(_) => return Err(ReadError::Io),
            }
        }
    }

    /// Takes the whole message (head and body, as it arrived) out of the buffer.
    /// For [`Framing::UntilClose`] it takes what is buffered; the caller copies the rest.
    pub async fn message(&mut self, head: &Head) -> Result<Vec<u8>, ReadError> {
        loop {
            let want = match head.framing {
                Framing::None => Some(head.len),
                Framing::Length(n) => Some(head.len + n),
                Framing::UntilClose => Some(self.buf.len()),
                Framing::Chunked => chunked_len(&self.buf[head.len..])
                    .map_err(ReadError::Parse)?
                    .map(|n| head.len + n),
            };
            match want {
                Some(n) if n <= self.buf.len() => return Ok(self.buf.drain(..n).collect()),
                _ if self.buf.len() > head.len + MAX_BODY => {
                    return Err(ReadError::Parse(format!("body over {MAX_BODY} bytes")))
                }
                _ => {}
            }
            match self.fill().await {
                Ok(0) => return Err(ReadError::Parse("connection closed mid-body".into())),
                Ok(_) => {}
                Err(_) => return Err(ReadError::Io),
            }
        }
    }
}

fn header<'a>(headers: &'a [httparse::Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .map(str::trim)
}

fn has_token(value: Option<&str>, token: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

/// The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
pub(crate) fn trace_id(traceparent: &str) -> Option<String> {
    let parts: Vec<&str> = traceparent.trim().split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    match parts.as_slice() {
        [v, t, s, f, ..] if hex(v, 2) && hex(t, 32) && hex(s, 16) && hex(f, 2) => {
            Some(t.to_ascii_lowercase()).filter(|t| t.bytes().any(|b| b != b'0'))
        }
        _ => None,
    }
}

/// Content-Length or chunked; a message with both, or a bad length, is not framed.
fn framing(headers: &[httparse::Header]) -> Result<Option<Framing>, String> {
    let te = header(headers, "transfer-encoding");
    let cl = header(headers, "content-length");
    match (te, cl) {
        (Some(_), Some(_)) => Err("both Transfer-Encoding and Content-Length".into()),
        (Some(te), None) if te.to_ascii_lowercase().ends_with("chunked") => {
            Ok(Some(Framing::Chunked))
        }
        (Some(te), None) => Err(format!("Transfer-Encoding {te} without chunked")),
        (None, Some(cl)) => cl
            .parse()
            .map(|n| Some(Framing::Length(n)))
            .map_err(|_| format!("bad Content-Length {cl:?}")),
        (None, None) => Ok(None),
    }
}

/// A request head, if the buffer holds a complete one.
pub(crate) fn parse_request(buf: &[u8]) -> Result<Option<Head>, String> {
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut hs);
    let len = match req.parse(buf).map_err(|e| format!("request: {e}"))? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let method = req.method.unwrap_or_default().to_string();
    let version = req.version.unwrap_or(1);
    let conn = header(req.headers, "connection");
    Ok(Some(Head {
        upgrade: method == "CONNECT" || header(req.headers, "upgrade").is_some(),
        target: req.path.unwrap_or_default().to_string(),
        status: 0,
        trace_id: header(req.headers, "traceparent").and_then(trace_id),
        close: has_token(conn, "close") || (version == 0 && !has_token(conn, "keep-alive")),
        framing: framing(req.headers)?.unwrap_or(Framing::None),
        method,
        len,
    }))
}

/// A response head to a request with `method`, if the buffer holds a complete one.
pub(crate) fn parse_response(buf: &[u8], method: &str) -> Result<Option<Head>, String> {
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut hs);
    let len = match resp.parse(buf).map_err(|e| format!("response: {e}"))? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let status = resp.code.unwrap_or(0);
    let version = resp.version.unwrap_or(1);
    let conn = header(resp.headers, "connection");
    let bodyless =
        method == "HEAD" || (100..200).contains(&status) || status == 204 || status == 304;
    let framing = match framing(resp.headers)? {
        _ if bodyless => Framing::None,
        Some(f) => f,
        None => Framing::UntilClose,
    };
    Ok(Some(Head {
        method: method.to_string(),
        target: String::new(),
        status,
        trace_id: None,
        close: framing == Framing::UntilClose
            || has_token(conn, "close")
            || (version == 0 && !has_token(conn, "keep-alive")),
        upgrade: status == 101,
        framing,
        len,
    }))
}

fn crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

/// The length of a complete chunked body at the start of `b` (chunks, the last
/// chunk and trailers), `None` if more is needed.
fn chunked_len(b: &[u8]) -> Result<Option<usize>, String> {
    let mut i = 0;
    loop {
        let Some(eol) = crlf(&b[i..]) else {
            return long_line(b.len() - i);
        };
        let line = std::str::from_utf8(&b[i..i + eol]).map_err(|_| "chunk size not text")?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size {size:?}"))?;
        i += eol + 2;
        if size == 0 {
            loop {
                let Some(eol) = crlf(&b[i..]) else {
                    return long_line(b.len() - i);
                };
                i += eol + 2;
                if eol == 0 {
                    return Ok(Some(i));
                }
            }
        }
        if size > MAX_BODY {
            return Err(format!("chunk of {size} bytes"));
        }
        if b.len() < i + size + 2 {
            return Ok(None);
        }
        if &b[i + size..i + size + 2] != b"\r\n" {
            return Err("chunk data not followed by CRLF".into());
        }
        i += size + 2;
    }
}

fn long_line(pending: usize) -> Result<Option<usize>, String> {
    if pending > 4096 {
        Err("chunk line over 4096 bytes".into())
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Want<'a> = Option<(&'a str, Framing, bool, Option<&'a str>)>;

    #[test]
    fn request_heads() {
        let tp = "traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
        let cases: [(String, Want); 6] = [
            (format!("GET /stock/7 HTTP/1.1\r\n{tp}\r\n\r\n"),
             Some(("GET", Framing::None, false, Some("4bf92f3577b34da6a3ce929d0e0e4736")))),
            ("POST /o HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".into(),
             Some(("POST", Framing::Length(5), true, None))),
            ("POST /o HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".into(),
             Some(("POST", Framing::Chunked, false, None))),
            ("GET / HTTP/1.0\r\n\r\n".into(), Some(("GET", Framing::None, true, None))),
            ("GET / HTTP/1.1\r\nHost: x\r\n".into(), None),
            ("GET / HTTP/1.1\r\ntraceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n\r\n".into(),
             Some(("GET", Framing::None, false, None))),
        ];
        for (text, want) in cases {
            let got = parse_request(text.as_bytes()).unwrap();
            let got = got
                .as_ref()
                .map(|h| (h.method.as_str(), h.framing, h.close, h.trace_id.as_deref()));
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn bad_requests_are_parse_errors() {
        for text in [
            "\x16\x03\x01\x02\x00\x01\x00",
            "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(parse_request(text.as_bytes()).is_err(), "{text:?}");
        }
    }

    #[test]
    fn response_framing() {
        let cases = [
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "GET",
                Framing::Length(2),
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
                "HEAD",
                Framing::None,
                false,
            ),
            (
                "HTTP/1.1 204 No Content\r\n\r\n",
                "GET",
                Framing::None,
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\n\r\nbody",
                "GET",
                Framing::UntilClose,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                "GET",
                Framing::Chunked,
                false,
            ),
        ];
        for (text, method, framing, close) in cases {
            let h = parse_response(text.as_bytes(), method).unwrap().unwrap();
            assert_eq!((h.framing, h.close), (framing, close), "{text:?}");
        }
    }

    #[test]
    fn chunked_bodies() {
        type Len = Result<Option<usize>, ()>;
        let cases: [(&[u8], Len); 6] = [
            (b"5\r\nhello\r\n0\r\n\r\n", Ok(Some(15))),
            (b"5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\nnext", Ok(Some(29))),
            (b"5\r\nhel", Ok(None)),
            (b"5\r\nhello\r\n0\r\n", Ok(None)),
            (b"zz\r\n", Err(())),
            (b"2\r\nhello\r\n", Err(())),
        ];
        for (b, want) in cases {
            assert_eq!(
                chunked_len(b).map_err(|_| ()),
                want,
                "{:?}",
                String::from_utf8_lossy(b)
            );
        }
    }
}

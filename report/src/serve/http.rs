//! One HTTP exchange: read the request head, route it, write the response.

use super::index;
use crate::html::{esc, href};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

const MAX_HEAD: u64 = 16 * 1024;

pub(crate) struct Response {
    status: u16,
    kind: &'static str,
    body: Body,
    location: Option<String>,
}

enum Body {
    Bytes(Vec<u8>),
    File(File, u64),
}

impl Response {
    pub(crate) fn html(status: u16, body: String) -> Response {
        Response {
            status,
            kind: "text/html; charset=utf-8",
            body: Body::Bytes(body.into_bytes()),
            location: None,
        }
    }

    fn error(status: u16, why: &str) -> Response {
        let title = reason(status);
        Response::html(status, format!("<!DOCTYPE html><title>{status} {title}</title><h1>{status} {title}</h1><p>{}</p>\n", esc(why)))
    }
}

pub(crate) fn handle(mut stream: TcpStream, store: &Path) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let (method, target) = match read_head(&stream) {
        Ok(r) => r,
        Err(_) => {
            return write_response(
                &mut stream,
                Response::error(400, "malformed request"),
                false,
            )
        }
    };
    let head_only = method == "HEAD";
    let response = if method != "GET" && !head_only {
        Response::error(405, "only GET and HEAD are served")
    } else {
        route(store, &target)
    };
    write_response(&mut stream, response, head_only);
}

/// Reads the request line and skips the headers; returns (method, target).
fn read_head(stream: &TcpStream) -> io::Result<(String, String)> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no request line",
        ));
    };
    let (method, target) = (method.to_string(), target.to_string());
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            return Ok((method, target));
        }
    }
}

fn route(store: &Path, target: &str) -> Response {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/" || path == "/index.html" {
        return Response::html(200, index::page(store, &index_filters(query)));
    }
    let file = match resolve(store, path) {
        Ok(f) => f,
        Err((status, why)) => return Response::error(status, why),
    };
    if file.is_dir() {
        if !path.ends_with('/') {
            return Response {
                location: Some(format!("{path}/")),
                ..Response::error(301, "moved")
            };
        }
        return Response::html(200, listing(store, &file));
    }
    match File::open(&file).and_then(|f| f.metadata().map(|m| (f, m.len()))) {
        Ok((f, len)) => Response {
            status: 200,
            kind: content_type(&file),
            body: Body::File(f, len),
            location: None,
        },
        Err(_) => Response::error(404, "no such file in the store"),
    }
}

/// The index's `name` and `verdict` filters from a query string.
fn index_filters(query: &str) -> index::Filters {
    let mut f = index::Filters::default();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v, true).unwrap_or_default();
        match k {
            "name" => f.name = v.trim().to_string(),
            "verdict" => f.verdict = v,
            _ => {}
        }
    }
    f
}

/// The file in `store` that a request path names, or the status refusing it.
pub(crate) fn resolve(store: &Path, path: &str) -> Result<PathBuf, (u16, &'static str)> {
    let decoded = percent_decode(path).ok_or((400, "malformed percent-encoding"))?;
    if decoded.contains(['\0', '\\']) {
        return Err((403, "refused: a path outside the store"));
    }
    let mut full = store.to_path_buf();
    for seg in decoded.split('/').filter(|s| !s.is_empty()) {
        if seg == "." || seg == ".." {
            return Err((403, "refused: a path outside the store"));
        }
        full.push(seg);
    }
    let canonical = full
        .canonicalize()
        .map_err(|_| (404, "no such file in the store"))?;
    if !canonical.starts_with(store) {
        return Err((403, "refused: a path outside the store"));
    }
    Ok(canonical)
}

/// Decodes `%XX` escapes (and `+` as a space when `plus` is set).
fn decode(s: &str, plus: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn percent_decode(s: &str) -> Option<String> {
    decode(s, false)
}

fn listing(store: &Path, dir: &Path) -> String {
    let rel = dir
        .strip_prefix(store)
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .into_owned();
    let mut names: Vec<(String, bool)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        e.path().is_dir(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut s = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>/{0}</title></head><body><p><a href=\"/\">all runs</a></p><h1>/{0}</h1><ul>",
        esc(&rel)
    );
    if !rel.is_empty() {
        s.push_str("<li><a href=\"../\">../</a></li>");
    }
    for (name, is_dir) in names {
        let slash = if is_dir { "/" } else { "" };
        s.push_str(&format!(
            "<li><a href=\"{}{slash}\">{}{slash}</a></li>",
            href(&name),
            esc(&name)
        ));
    }
    s.push_str("</ul></body></html>\n");
    s
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "css" => "text/css",
        "js" => "text/javascript",
        "png" => "image/png",
        "gz" => "application/gzip",
        _ => "text/plain; charset=utf-8",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    }
}

fn write_response(stream: &mut TcpStream, r: Response, head_only: bool) {
    let len = match &r.body {
        Body::Bytes(b) => b.len() as u64,
        Body::File(_, n) => *n,
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {len}\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n",
        r.status,
        reason(r.status),
        r.kind
    );
    if let Some(loc) = &r.location {
        head.push_str(&format!("Location: {loc}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = match r.body {
            Body::Bytes(b) => stream.write_all(&b),
            Body::File(mut f, _) => io::copy(&mut f, stream).map(|_| ()),
        };
    }
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_refuses_traversal() {
        assert_eq!(decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(decode("a%2", false), None);
        let store = std::env::temp_dir().canonicalize().unwrap();
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E%2F%2E%2E/x",
            "/.",
            "/a\\..\\b",
        ] {
            assert_eq!(resolve(&store, bad).unwrap_err().0, 403, "{bad}");
        }
        assert_eq!(
            resolve(&store, "/no-such-file-here-xyz").unwrap_err().0,
            404
        );
    }
}

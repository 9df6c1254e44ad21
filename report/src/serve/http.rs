//! The routes: the index, the campaigns and trend pages, and every other path
//! a file or directory of the store, checked by [`resolve`] before tower-http's
//! `ServeFile` is given it.

use super::{campaigns, index, trends};
use crate::html::{esc, href};
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

type Store = Arc<PathBuf>;

/// Every route, with the headers every response carries.
pub(crate) fn router(store: PathBuf) -> Router {
    let always =
        |name, value| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value));
    Router::new()
        .route("/", get(index_page))
        .route("/index.html", get(index_page))
        .route("/campaigns/", get(campaigns_page))
        .route("/trends/:test", get(trend_page))
        .fallback_service(get(file).with_state(Arc::new(store.clone())))
        .with_state(Arc::new(store))
        .layer(always(header::CONNECTION, "close"))
        .layer(always(header::CACHE_CONTROL, "no-store"))
        .layer(always(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

async fn index_page(
    State(store): State<Store>,
    Query(q): Query<HashMap<String, String>>,
) -> Html<String> {
    let filters = index::Filters {
        name: q.get("name").map_or("", |s| s.trim()).to_string(),
        verdict: q.get("verdict").cloned().unwrap_or_default(),
    };
    Html(index::page(&store, &filters))
}

async fn campaigns_page(State(store): State<Store>) -> Html<String> {
    Html(campaigns::page(&store))
}

async fn trend_page(
    State(store): State<Store>,
    axum::extract::Path(test): axum::extract::Path<String>,
) -> Response {
    match trends::page(&store, &test) {
        Some(html) => Html(html).into_response(),
        None => error(StatusCode::NOT_FOUND, "no campaign ran a test of that name"),
    }
}

/// A file or directory of the store.
async fn file(State(store): State<Store>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let file = match resolve(&store, &path) {
        Ok(f) => f,
        Err((status, why)) => {
            return error(
                StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
                why,
            )
        }
    };
    if file.is_dir() {
        if !path.ends_with('/') {
            let to = format!("{path}/");
            return (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, to)],
                "moved",
            )
                .into_response();
        }
        return Html(listing(&store, &file)).into_response();
    }
    match ServeFile::new(&file).oneshot(req).await {
        Ok(r) => r.map(Body::new).into_response(),
        Err(_) => error(StatusCode::NOT_FOUND, "no such file in the store"),
    }
}

fn error(status: StatusCode, why: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let body = format!(
        "<!DOCTYPE html><title>{code} {title}</title><h1>{code} {title}</h1><p>{}</p>\n",
        esc(why)
    );
    (status, Html(body)).into_response()
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

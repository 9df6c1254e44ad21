//! The HTTP routes: toxiproxy's paths, methods, status codes and error shape
//! (`{"error": ..., "status": ...}`), over the group's single fault set.

use super::shapes::{
    api_proxy, group_name, to_api, to_toxic, ApiToxic, ProxyInput, ToxicUpdate, DISABLED,
};
use crate::fault::{Fault, FaultSet, Link, Toxic};
use crate::group::{ProxyGroup, ProxySpec};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

struct Api {
    group: ProxyGroup,
    /// Serialises read-modify-apply of the fault set, so concurrent edits are not lost.
    edit: tokio::sync::Mutex<()>,
}

type Shared = State<Arc<Api>>;

#[derive(Debug)]
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(json!({ "error": self.1, "status": self.0.as_u16() })),
        )
            .into_response()
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

type Result<T> = std::result::Result<T, ApiError>;

/// The routes over `group`.
pub fn router(group: ProxyGroup) -> Router {
    let api = Arc::new(Api {
        group,
        edit: tokio::sync::Mutex::new(()),
    });
    Router::new()
        .route("/version", get(version))
        .route("/status", get(status))
        .route("/reset", axum::routing::post(reset))
        .route("/proxies", get(proxies).post(create_proxy))
        .route(
            "/proxies/:proxy",
            get(show_proxy)
                .post(update_proxy)
                .patch(update_proxy)
                .delete(delete_proxy),
        )
        .route("/proxies/:proxy/toxics", get(toxics).post(create_toxic))
        .route(
            "/proxies/:proxy/toxics/:toxic",
            get(show_toxic)
                .post(update_toxic)
                .patch(update_toxic)
                .delete(delete_toxic),
        )
        .with_state(api)
}

/// Serves the API on `listener` until the task is dropped.
pub async fn serve(group: ProxyGroup, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(group)).await
}

impl Api {
    fn spec(&self, name: &str) -> Result<ProxySpec> {
        let found = self.group.proxies().into_iter().find(|p| p.name == name);
        found.ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "proxy not found".to_string()))
    }

    /// Edits the fault set under the lock and applies it to every proxy.
    async fn edit<T>(&self, f: impl FnOnce(&mut FaultSet) -> Result<T>) -> Result<T> {
        let _guard = self.edit.lock().await;
        let mut set = self.group.faults();
        let out = f(&mut set)?;
        self.group
            .apply(set)
            .await
            .map_err(|e| bad(e.to_string()))?;
        Ok(out)
    }

    async fn set_enabled(&self, proxy: &str, enabled: bool) -> Result<()> {
        let name = group_name(proxy, DISABLED);
        self.edit(|set| {
            set.toxics.retain(|t| t.name != name);
            if !enabled {
                set.toxics
                    .push(Toxic::new(&name, Fault::Down, Link::into(proxy)));
            }
            Ok(())
        })
        .await
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| bad(format!("bad request body: {e}")))
}

async fn resolve(addr: &str) -> Result<SocketAddr> {
    let mut found = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| bad(format!("bad address {addr:?}: {e}")))?;
    found
        .next()
        .ok_or_else(|| bad(format!("bad address {addr:?}: no address")))
}

async fn version() -> Json<Value> {
    Json(json!({ "version": concat!("rjepsen-proxy ", env!("CARGO_PKG_VERSION")) }))
}

/// The read-only status page: proxies, every fault (also per-link ones), counters.
async fn status(State(api): Shared) -> Json<Value> {
    let g = &api.group;
    let links: Vec<Value> = g
        .bytes()
        .into_iter()
        .map(|((from, to), b)| json!({ "from": from, "to": to, "upstream": b.upstream, "downstream": b.downstream }))
        .collect();
    Json(
        json!({ "now_ns": g.now_ns(), "proxies": g.proxies(), "faults": g.faults(), "links": links, "events": g.events().len() }),
    )
}

async fn reset(State(api): Shared) -> Result<StatusCode> {
    api.edit(|set| {
        *set = FaultSet::none();
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn proxies(State(api): Shared) -> Json<BTreeMap<String, super::ApiProxy>> {
    let set = api.group.faults();
    Json(
        api.group
            .proxies()
            .iter()
            .map(|p| (p.name.clone(), api_proxy(p, &set)))
            .collect(),
    )
}

async fn create_proxy(
    State(api): Shared,
    body: Bytes,
) -> Result<(StatusCode, Json<super::ApiProxy>)> {
    let input: ProxyInput = parse(&body)?;
    if input.name.is_empty() {
        return Err(bad("missing required field: name"));
    }
    let upstream = resolve(
        input
            .upstream
            .as_deref()
            .ok_or_else(|| bad("missing required field: upstream"))?,
    )
    .await?;
    let listen = resolve(input.listen.as_deref().unwrap_or("127.0.0.1:0")).await?;
    if api.group.proxies().iter().any(|p| p.name == input.name) {
        return Err(ApiError(
            StatusCode::CONFLICT,
            "proxy already exists".to_string(),
        ));
    }
    api.group
        .add(ProxySpec::new(&input.name, listen, upstream))
        .await
        .map_err(|e| bad(e.to_string()))?;
    if input.enabled == Some(false) {
        api.set_enabled(&input.name, false).await?;
    }
    let spec = api.spec(&input.name)?;
    Ok((
        StatusCode::CREATED,
        Json(api_proxy(&spec, &api.group.faults())),
    ))
}

async fn show_proxy(State(api): Shared, Path(p): Path<String>) -> Result<Json<super::ApiProxy>> {
    Ok(Json(api_proxy(&api.spec(&p)?, &api.group.faults())))
}

async fn update_proxy(
    State(api): Shared,
    Path(p): Path<String>,
    body: Bytes,
) -> Result<Json<super::ApiProxy>> {
    let old = api.spec(&p)?;
    let input: ProxyInput = parse(&body)?;
    let listen = match input.listen.as_deref() {
        Some(a) => resolve(a).await?,
        None => old.listen,
    };
    let upstream = match input.upstream.as_deref() {
        Some(a) => resolve(a).await?,
        None => old.upstream,
    };
    if listen != old.listen || upstream != old.upstream {
        api.group.remove(&p).map_err(|e| bad(e.to_string()))?;
        api.group
            .add(ProxySpec::new(&p, listen, upstream))
            .await
            .map_err(|e| bad(e.to_string()))?;
    }
    if let Some(enabled) = input.enabled {
        api.set_enabled(&p, enabled).await?;
    }
    Ok(Json(api_proxy(&api.spec(&p)?, &api.group.faults())))
}

async fn delete_proxy(State(api): Shared, Path(p): Path<String>) -> Result<StatusCode> {
    api.spec(&p)?;
    api.edit(|set| {
        set.toxics.retain(|t| t.link.to != p);
        Ok(())
    })
    .await?;
    api.group.remove(&p).map_err(|e| bad(e.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn toxics(State(api): Shared, Path(p): Path<String>) -> Result<Json<Vec<ApiToxic>>> {
    api.spec(&p)?;
    Ok(Json(
        api.group
            .faults()
            .toxics
            .iter()
            .filter_map(|t| to_api(&p, t))
            .collect(),
    ))
}

fn find(set: &FaultSet, p: &str, t: &str) -> Result<ApiToxic> {
    let name = group_name(p, t);
    let found = set
        .toxics
        .iter()
        .find(|x| x.name == name)
        .and_then(|x| to_api(p, x));
    found.ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "toxic not found".to_string()))
}

async fn create_toxic(
    State(api): Shared,
    Path(p): Path<String>,
    body: Bytes,
) -> Result<Json<ApiToxic>> {
    api.spec(&p)?;
    let mut input: ApiToxic = parse(&body)?;
    if input.name.is_empty() {
        input.name = format!("{}_{}", input.kind, input.stream);
    }
    let toxic = to_toxic(&p, &input).map_err(bad)?;
    api.edit(|set| {
        if set.toxics.iter().any(|t| t.name == toxic.name) {
            return Err(ApiError(
                StatusCode::CONFLICT,
                "toxic already exists".to_string(),
            ));
        }
        set.toxics.push(toxic);
        Ok(())
    })
    .await?;
    Ok(Json(find(&api.group.faults(), &p, &input.name)?))
}

async fn show_toxic(
    State(api): Shared,
    Path((p, t)): Path<(String, String)>,
) -> Result<Json<ApiToxic>> {
    api.spec(&p)?;
    Ok(Json(find(&api.group.faults(), &p, &t)?))
}

async fn update_toxic(
    State(api): Shared,
    Path((p, t)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<ApiToxic>> {
    api.spec(&p)?;
    let change: ToxicUpdate = parse(&body)?;
    api.edit(|set| {
        let mut cur = find(set, &p, &t)?;
        cur.attributes.extend(change.attributes);
        cur.toxicity = change.toxicity.unwrap_or(cur.toxicity);
        let new = to_toxic(&p, &cur).map_err(bad)?;
        let name = new.name.clone();
        set.toxics
            .iter_mut()
            .filter(|x| x.name == name)
            .for_each(|x| *x = new.clone());
        Ok(())
    })
    .await?;
    Ok(Json(find(&api.group.faults(), &p, &t)?))
}

async fn delete_toxic(
    State(api): Shared,
    Path((p, t)): Path<(String, String)>,
) -> Result<StatusCode> {
    api.spec(&p)?;
    api.edit(|set| {
        find(set, &p, &t)?;
        set.toxics.retain(|x| x.name != group_name(&p, &t));
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! toxiproxy's JSON shapes, and their mapping onto the group's fault set.

use crate::fault::{Direction, Fault, FaultSet, Link, Toxic};
use crate::group::ProxySpec;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The name of the toxic that stands for `enabled: false`.
pub(crate) const DISABLED: &str = "disabled";

/// A toxic as toxiproxy writes and reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToxic {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default = "downstream")]
    pub stream: String,
    #[serde(default = "one")]
    pub toxicity: f64,
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

fn downstream() -> String {
    "downstream".to_string()
}

fn one() -> f64 {
    1.0
}

/// A proxy as toxiproxy writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiProxy {
    pub name: String,
    pub listen: String,
    pub upstream: String,
    pub enabled: bool,
    pub toxics: Vec<ApiToxic>,
}

/// The body of `POST /proxies` and `POST /proxies/{p}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ProxyInput {
    #[serde(default)]
    pub(crate) name: String,
    pub(crate) listen: Option<String>,
    pub(crate) upstream: Option<String>,
    pub(crate) enabled: Option<bool>,
}

/// The body of `POST /proxies/{p}/toxics/{t}`: what may change.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ToxicUpdate {
    pub(crate) toxicity: Option<f64>,
    #[serde(default)]
    pub(crate) attributes: Map<String, Value>,
}

pub(crate) fn group_name(proxy: &str, toxic: &str) -> String {
    format!("{proxy}/{toxic}")
}

/// Parses a toxiproxy toxic into a group toxic on proxy `proxy`.
pub(crate) fn to_toxic(proxy: &str, t: &ApiToxic) -> Result<Toxic, String> {
    let direction = match t.stream.as_str() {
        "upstream" => Direction::Upstream,
        "downstream" => Direction::Downstream,
        other => {
            return Err(format!(
                "stream must be upstream or downstream, not {other:?}"
            ))
        }
    };
    if t.kind == "down" {
        return Err("invalid toxic type \"down\" (set the proxy's enabled to false)".to_string());
    }
    let mut obj = t.attributes.clone();
    obj.insert("type".to_string(), Value::String(t.kind.clone()));
    let fault: Fault = serde_json::from_value(Value::Object(obj))
        .map_err(|e| format!("invalid toxic {:?}: {e}", t.kind))?;
    let toxic = Toxic::new(&group_name(proxy, &t.name), fault, Link::into(proxy))
        .direction(direction)
        .toxicity(t.toxicity);
    FaultSet::none()
        .with(toxic.clone())
        .validate()
        .map_err(|e| e.to_string())?;
    Ok(toxic)
}

/// The toxiproxy view of a group toxic, if it is one (on a whole proxy, one stream).
pub(crate) fn to_api(proxy: &str, t: &Toxic) -> Option<ApiToxic> {
    if t.link != Link::into(proxy) || t.fault == Fault::Down {
        return None;
    }
    let name = t
        .name
        .strip_prefix(&format!("{proxy}/"))
        .unwrap_or(&t.name)
        .to_string();
    let stream = if t.directions == [Direction::Upstream] {
        "upstream"
    } else {
        "downstream"
    };
    let Ok(Value::Object(mut attributes)) = serde_json::to_value(&t.fault) else {
        return None;
    };
    let kind = attributes
        .remove("type")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Some(ApiToxic {
        name,
        kind,
        stream: stream.to_string(),
        toxicity: t.toxicity,
        attributes,
    })
}

pub(crate) fn is_disabled(set: &FaultSet, proxy: &str) -> bool {
    set.toxics
        .iter()
        .any(|t| t.name == group_name(proxy, DISABLED) && t.fault == Fault::Down)
}

pub(crate) fn api_proxy(spec: &ProxySpec, set: &FaultSet) -> ApiProxy {
    ApiProxy {
        name: spec.name.clone(),
        listen: spec.listen.to_string(),
        upstream: spec.upstream.to_string(),
        enabled: !is_disabled(set, &spec.name),
        toxics: set
            .toxics
            .iter()
            .filter_map(|t| to_api(&spec.name, t))
            .collect(),
    }
}

//! Where an attempt's two root requests come from. The default replays the
//! recorded roots verbatim against a base URL; `rjepsen test`'s shop workload can
//! supply fresh requests (new order ids shared by both sides) through the same
//! trait. The engine adds the `traceparent` itself.

use crate::client::HttpRequest;
use crate::pairs::{url_path, CandidatePair, Root, StepRef};

/// Which side of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    A,
    B,
}

/// Makes the root request of one side of a pair, for one attempt.
pub trait RequestSource: Send + Sync {
    /// The request for `side` of `pair` in attempt number `attempt` (from 0).
    fn request(&self, pair: &CandidatePair, side: Side, attempt: usize) -> HttpRequest;

    /// The method and path pattern (`*` wildcards) that a conflicting step's hop
    /// request has in attempt `attempt`. Replayed requests repeat the recorded
    /// path; a source that makes fresh ids overrides this to match them.
    fn step_match(&self, step: &StepRef, _attempt: usize) -> (String, String) {
        (step.http_method.clone(), step.path())
    }
}

/// Replays the recorded root request, its scheme and authority replaced by the
/// base URL's (`http://host:port`, maybe with a path prefix).
#[derive(Debug, Clone)]
pub struct Replay {
    pub base_url: String,
}

impl Replay {
    pub fn new(base_url: &str) -> Replay {
        Replay {
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    fn url(&self, root: &Root) -> String {
        let query = root
            .url
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        format!("{}{}{query}", self.base_url, url_path(&root.url))
    }
}

impl RequestSource for Replay {
    fn request(&self, pair: &CandidatePair, side: Side, _attempt: usize) -> HttpRequest {
        let root = match side {
            Side::A => &pair.roots.a,
            Side::B => &pair.roots.b,
        };
        let body_is_json = serde_json::from_str::<serde_json::Value>(&root.body).is_ok();
        let headers = if !root.body.is_empty() && body_is_json {
            vec![("Content-Type".to_string(), "application/json".to_string())]
        } else {
            Vec::new()
        };
        HttpRequest {
            method: root.method.clone(),
            url: self.url(root),
            headers,
            body: root.body.clone(),
        }
    }
}

//! The engine's input: candidate pairs as `rjepsen traces analyze` writes them
//! (`candidates.json`, `early.json`). Only what replay and matching need is read;
//! other fields are ignored, so the analyzer may add more.

use crate::InterleaveError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One conflicting step: the hop request that the schedule holds or waits for.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct StepRef {
    pub flow_id: usize,
    pub flow_span_id: usize,
    pub http_method: String,
    pub http_url: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub sqls: Vec<String>,
}

impl StepRef {
    /// The path of the step's URL (no scheme, authority or query).
    pub fn path(&self) -> String {
        url_path(&self.http_url)
    }
}

/// The recorded root request of a flow.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Root {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub service: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Roots {
    pub a: Root,
    pub b: Root,
}

/// A candidate pair: two steps of unrelated flows touching the same data.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CandidatePair {
    pub a: StepRef,
    pub b: StepRef,
    pub roots: Roots,
    #[serde(default)]
    pub shared_ids: Vec<String>,
}

/// Reads a `candidates.json`; a file from before roots were written is refused
/// with the reason (re-run `traces analyze`).
pub fn load(path: &Path) -> Result<Vec<CandidatePair>, InterleaveError> {
    let err = |reason: String| InterleaveError::Pairs {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| err(e.to_string()))
}

/// `http://host:port/a/b?q` → `/a/b`; a bare path stays as it is.
pub fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = if url.contains("://") {
        rest.find('/').map_or("/", |i| &rest[i..])
    } else {
        rest
    };
    path.split('?').next().unwrap_or("/").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_paths() {
        for (url, path) in [
            ("http://inventory:8080/stock/7?x=1", "/stock/7"),
            ("http://inventory:8080", "/"),
            ("/stock/7", "/stock/7"),
        ] {
            assert_eq!(super::url_path(url), path);
        }
    }
}

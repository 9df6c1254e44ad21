//! The running test as every part sees it.

use crate::addr::AddrBook;
use crate::control::Remote;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// What clients, DBs and nemeses may know about the test: its nodes, how to reach
/// them, its seed and options. Built by the CLI from a validated `TestConfig`.
#[derive(Clone)]
pub struct Test {
    pub name: String,
    pub nodes: Vec<String>,
    /// Number of worker threads (client processes at a time).
    pub concurrency: usize,
    pub seed: u64,
    pub remote: Arc<dyn Remote>,
    /// Where each node listens and what clients and peers dial to reach it;
    /// resolved once per test. Nothing builds an address from a node's name.
    pub addrs: AddrBook,
    /// This run's store directory (`store/<name>/<timestamp>/`).
    pub store_dir: PathBuf,
    /// The database's typed options as its adapter wrote them after checking
    /// them at parse time (read back through its options type, for example
    /// `EtcdOptions::of`), plus the generic `op-timeout`.
    pub options: Map<String, Value>,
}

impl Test {
    /// A boolean option, false when absent.
    pub fn flag(&self, name: &str) -> bool {
        self.options
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// A string option.
    pub fn option_str(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(Value::as_str)
    }
}

impl std::fmt::Debug for Test {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Test")
            .field("name", &self.name)
            .field("nodes", &self.nodes)
            .field("concurrency", &self.concurrency)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

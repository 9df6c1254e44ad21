//! What a running playground leaves in its directory: `daemon.pid` and
//! `state.json` (the address book: each node's proxy and real addresses, the
//! daemon's control and HTTP ports). Everything else it makes lives there too
//! (`n1/data`, `n1/etcd.log`, `daemon.log`), so removing the directory removes it all.

use crate::PlaygroundError;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const STATE_FILE: &str = "state.json";
pub const PID_FILE: &str = "daemon.pid";

/// One node: its advertised (proxy) addresses, which clients and peers dial, and
/// the real ones its process listens on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub name: String,
    pub client: SocketAddr,
    pub peer: SocketAddr,
    pub real_client: SocketAddr,
    pub real_peer: SocketAddr,
    pub data_dir: PathBuf,
    pub log: PathBuf,
}

impl NodeInfo {
    /// The node as the address book holds it: dialled at the proxies, listening
    /// on the real ports (the shop's set-up and `rjepsen test --playground` both).
    pub fn book_entry(&self) -> rjepsen_core::addr::NodeAddrs {
        rjepsen_core::addr::NodeAddrs {
            node: self.name.clone(),
            ssh: self.name.clone(),
            listen_client: self.real_client,
            listen_peer: self.real_peer,
            client: self.client,
            peer: self.peer,
        }
    }
}

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub daemon_pid: u32,
    /// gRPC: rjepsen.proxy.v1.ProxyControl and rjepsen.playground.v1.Playground.
    pub control: SocketAddr,
    /// Read-only `/status` and the toxiproxy subset.
    pub http: SocketAddr,
    pub seed: u64,
    pub db: String,
    pub binary: PathBuf,
    /// Where the shop's spans are stored (`DIR/traces`); etcd exports none.
    #[serde(default)]
    pub traces: Option<PathBuf>,
    pub nodes: Vec<NodeInfo>,
}

impl State {
    pub fn read(dir: &Path) -> Result<State, PlaygroundError> {
        let path = dir.join(STATE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PlaygroundError::NotRunning(dir.to_path_buf()))
            }
            Err(source) => {
                return Err(PlaygroundError::File {
                    what: "read",
                    path,
                    source,
                })
            }
        };
        serde_json::from_str(&text).map_err(|e| PlaygroundError::BadState {
            path,
            message: e.to_string(),
        })
    }

    /// Written to a temporary file and renamed, so a reader never sees half of it.
    pub fn write(&self, dir: &Path) -> Result<(), PlaygroundError> {
        let path = dir.join(STATE_FILE);
        let tmp = dir.join(".state.json.tmp");
        let text = serde_json::to_string_pretty(self).expect("state serializes");
        let file_err = |what, path: &Path| {
            let path = path.to_path_buf();
            move |source| PlaygroundError::File { what, path, source }
        };
        std::fs::write(&tmp, text).map_err(file_err("write", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(file_err("rename", &path))
    }

    pub fn node(&self, name: &str) -> Result<&NodeInfo, PlaygroundError> {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .ok_or_else(|| unknown_node(name, &self.names()))
    }

    pub fn names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }
}

pub(crate) fn unknown_node(name: &str, names: &[String]) -> PlaygroundError {
    PlaygroundError::UnknownNode {
        node: name.to_string(),
        known: names.join(", "),
    }
}

/// `$XDG_STATE_HOME/rjepsen/playground`, else `~/.local/state/rjepsen/playground`.
pub fn default_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("rjepsen/playground")
}

/// The daemon PID recorded in `dir`, if that process is still alive.
pub fn running_daemon(dir: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(dir.join(PID_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    alive(pid).then_some(pid)
}

/// Whether `pid` names a live (not zombie) process.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|s| s != "Z" && s != "X"),
        Err(_) => false,
    }
}

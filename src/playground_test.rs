//! `rjepsen test --playground [--dir DIR]`: a test against a running playground
//! (`rjepsen playground start`), with no SSH and nothing installed.
//!
//! The playground already is a cluster behind fault proxies, so the test takes
//! its parts from it instead of building them: the address book from
//! `state.json` (clients dial the playground's client proxies), a [`Db`] whose
//! set-up only checks the cluster is healthy and whose kill, restart, pause and
//! resume are the daemon's gRPC calls, and a [`LinkProxies`] that puts the proxy
//! packages' link faults on the playground's proxies (`Apply`, each kind owning
//! a slice of the fault set, as `TestProxies` does). The nemesis packages are
//! the same ones; only the seam below them changes. What needs a node's network
//! namespace or cgroup (iptables `partition`, `packet`, `freeze`) is refused.

use crate::config::BadArgs;
use async_trait::async_trait;
use rjepsen_core::addr::{AddrBook, Ports};
use rjepsen_core::db::{Db, DbError, Kill, LogFiles, Pause};
use rjepsen_core::test::Test;
use rjepsen_nemesis::{link_toxics, peer_link_bytes, LinkProxies, NodeLink};
use rjepsen_playground::faults::proxy_name;
use rjepsen_playground::{Playground, PlaygroundError, State};
use rjepsen_proxy::{Fault, FaultSet, Toxic};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// The packages a playground can serve besides the proxy ones: those acting
/// through the DB's abilities, which the daemon offers.
const SERVED: [&str; 2] = ["kill", "pause"];

/// The playground's node names, from `DIR/state.json`.
pub fn node_names(dir: &Path) -> Result<Vec<String>, BadArgs> {
    let state = State::read(dir).map_err(|e| BadArgs(format!("--playground: {e}")))?;
    Ok(state.names())
}

/// What a test takes from a playground.
pub struct PlaygroundParts {
    pub addrs: AddrBook,
    pub db: Arc<dyn Db>,
    pub proxies: Arc<dyn LinkProxies>,
}

/// Refuses the kinds that need what a playground has not (a node's netns or
/// cgroup), naming them and what it offers.
pub fn check_kinds(kinds: &[String], db: &dyn Db) -> Result<(), BadArgs> {
    let resolved = rjepsen_nemesis::resolve(kinds, db).map_err(BadArgs)?;
    let refused: Vec<String> = resolved
        .iter()
        .filter(|p| !p.uses_proxies() && !SERVED.contains(&p.spec().name.as_str()))
        .map(|p| p.spec().name)
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(BadArgs(format!(
        "--nemesis {}: not on a playground (its nodes are processes on loopback, with no \
         network namespace or cgroup); it offers kill, pause and the proxy kinds \
         (proxy-partition, proxy-delay, proxy-reset, proxy-bandwidth, proxy-all)",
        refused.join(",")
    )))
}

/// Opens the playground in `dir` and builds the test's parts from it; `db`
/// (`--db`) must be the one it runs.
pub async fn open(dir: &Path, db: &str) -> anyhow::Result<PlaygroundParts> {
    let pg = Playground::open(dir).await?;
    let state = pg.state().clone();
    if state.db != db {
        return Err(BadArgs(format!(
            "--db {db}: the playground in {} runs {}",
            dir.display(),
            state.db
        ))
        .into());
    }
    let addrs = AddrBook::new(
        state
            .nodes
            .iter()
            .map(rjepsen_playground::NodeInfo::book_entry)
            .collect(),
    );
    let logs = state
        .nodes
        .iter()
        .map(|n| (n.name.clone(), n.log.display().to_string()))
        .collect();
    let pg = Arc::new(Mutex::new(pg));
    Ok(PlaygroundParts {
        addrs,
        db: Arc::new(PlaygroundDb {
            pg: pg.clone(),
            logs,
        }),
        proxies: Arc::new(PlaygroundProxies {
            pg,
            nodes: state.names(),
            slices: Mutex::default(),
        }),
    })
}

/// Heals what an earlier run left on the playground (link faults, paused or
/// killed nodes); returns one line per thing healed.
pub async fn heal_leftovers(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut pg = Playground::open(dir).await?;
    let mut healed = Vec::new();
    let faults = pg.faults().await?;
    if !faults.toxics.is_empty() {
        pg.heal().await?;
        let names: Vec<&str> = faults.toxics.iter().map(|t| t.name.as_str()).collect();
        healed.push(format!("playground proxies: {}", names.join(", ")));
    }
    for n in pg.status().await? {
        match n.state.as_str() {
            "running" => {}
            "paused" => {
                pg.resume(&n.name).await?;
                healed.push(format!("{}: resumed (was paused)", n.name));
            }
            other => {
                pg.restart(&n.name).await?;
                healed.push(format!("{}: restarted (was {other})", n.name));
            }
        }
    }
    Ok(healed)
}

fn db_err(node: &str, action: &str, e: PlaygroundError) -> DbError {
    DbError::Other {
        node: node.into(),
        action: action.into(),
        message: e.to_string(),
    }
}

/// `node`'s process state as the daemon reports it (`running`, `paused`, ...).
async fn state_of(pg: &mut Playground, node: &str) -> Result<Option<String>, DbError> {
    let status = pg
        .status()
        .await
        .map_err(|e| db_err(node, "read the status", e))?;
    Ok(status.into_iter().find(|n| n.name == node).map(|n| n.state))
}

/// The playground's etcd as the test's DB: nothing to install or wipe.
struct PlaygroundDb {
    pg: Arc<Mutex<Playground>>,
    logs: BTreeMap<String, String>,
}

#[async_trait]
impl Db for PlaygroundDb {
    /// Checks the cluster is healthy (every node answers, one leader).
    async fn setup(&self, _test: &Test, node: &str) -> Result<(), DbError> {
        let mut pg = self.pg.lock().await;
        pg.wait_healthy(Duration::from_secs(10))
            .await
            .map(|_| ())
            .map_err(|e| db_err(node, "check the playground is healthy", e))
    }

    /// Leaves the playground running, as the user started it.
    async fn teardown(&self, _test: &Test, _node: &str) -> Result<(), DbError> {
        Ok(())
    }

    /// etcd's protocol; the book carries each node's real addresses.
    fn ports(&self) -> Option<Ports> {
        Some(Ports {
            client: 2379,
            peer: 2380,
        })
    }

    fn as_kill(&self) -> Option<&dyn Kill> {
        Some(self)
    }
    fn as_pause(&self) -> Option<&dyn Pause> {
        Some(self)
    }
    fn as_log_files(&self) -> Option<&dyn LogFiles> {
        Some(self)
    }
}

#[async_trait]
impl Kill for PlaygroundDb {
    async fn kill(&self, _test: &Test, node: &str) -> Result<(), DbError> {
        let r = self.pg.lock().await.kill(node).await;
        r.map(|_| ()).map_err(|e| db_err(node, "kill", e))
    }
    /// Restarts a node that is not running; a running one is left alone (the
    /// daemon's `Restart` would stop it first).
    async fn start(&self, _test: &Test, node: &str) -> Result<(), DbError> {
        let mut pg = self.pg.lock().await;
        if state_of(&mut pg, node).await?.as_deref() == Some("running") {
            return Ok(());
        }
        let r = pg.restart(node).await;
        r.map(|_| ()).map_err(|e| db_err(node, "restart", e))
    }
}

#[async_trait]
impl Pause for PlaygroundDb {
    async fn pause(&self, _test: &Test, node: &str) -> Result<(), DbError> {
        let r = self.pg.lock().await.pause(node).await;
        r.map(|_| ()).map_err(|e| db_err(node, "pause", e))
    }
    /// Resumes a paused node; one that is not paused (killed meanwhile) is
    /// left alone, as SIGCONT to a dead process does nothing.
    async fn resume(&self, _test: &Test, node: &str) -> Result<(), DbError> {
        let mut pg = self.pg.lock().await;
        if state_of(&mut pg, node).await?.as_deref() != Some("paused") {
            return Ok(());
        }
        let r = pg.resume(node).await;
        r.map(|_| ()).map_err(|e| db_err(node, "resume", e))
    }
}

impl LogFiles for PlaygroundDb {
    /// The etcd log in the playground's directory (on this machine).
    fn log_files(&self, _test: &Test, node: &str) -> Vec<String> {
        self.logs.get(node).cloned().into_iter().collect()
    }
}

/// The playground's proxies under the proxy packages; each kind owns a slice
/// of the fault set and the union is applied in one `Apply`.
struct PlaygroundProxies {
    pg: Arc<Mutex<Playground>>,
    nodes: Vec<String>,
    slices: Mutex<BTreeMap<String, Vec<Toxic>>>,
}

impl PlaygroundProxies {
    async fn replace(&self, kind: &str, toxics: Vec<Toxic>) -> Result<u64, String> {
        let mut slices = self.slices.lock().await;
        let mut next = slices.clone();
        if toxics.is_empty() {
            next.remove(kind);
        } else {
            next.insert(kind.to_string(), toxics);
        }
        let all = FaultSet {
            toxics: next.values().flatten().cloned().collect(),
        };
        let ns = self.pg.lock().await.apply(&all).await;
        let ns = ns.map_err(|e| format!("failed to apply {kind} on the playground: {e}"))?;
        *slices = next;
        Ok(ns)
    }
}

fn peer(node: &str) -> String {
    proxy_name(node, true)
}

#[async_trait]
impl LinkProxies for PlaygroundProxies {
    fn nodes(&self) -> &[String] {
        &self.nodes
    }

    async fn set_links(
        &self,
        kind: &str,
        links: &[NodeLink],
        fault: &Fault,
    ) -> Result<u64, String> {
        self.replace(kind, link_toxics(kind, links, fault, peer))
            .await
    }

    async fn clear(&self, kind: &str) -> Result<u64, String> {
        self.replace(kind, Vec::new()).await
    }

    async fn peer_bytes(&self) -> Result<BTreeMap<NodeLink, u64>, String> {
        let links = self.pg.lock().await.links().await;
        let links = links.map_err(|e| format!("failed to read the playground's links: {e}"))?;
        Ok(peer_link_bytes(&links, &self.nodes, peer))
    }
}

//! The node processes the daemon owns: spawn, kill, restart, pause, resume.
//!
//! Each etcd is a child of the daemon with `PR_SET_PDEATHSIG`, so a daemon killed
//! with SIGKILL takes its nodes with it instead of leaving them orphaned. Every
//! change of a node's PID is reported to [`SocketOwners`], which is how the proxies
//! tell which node a connection comes from.

use crate::owner::SocketOwners;
use crate::shop::ShopLaunch;
use crate::state::{unknown_node, NodeInfo};
use crate::{etcd, PlaygroundError};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Child;
use tokio::sync::Mutex;

/// What a node's process is doing, as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcState {
    Running,
    Paused,
    Killed,
    Exited(String),
}

impl ProcState {
    pub fn as_string(&self) -> String {
        match self {
            ProcState::Running => "running".into(),
            ProcState::Paused => "paused".into(),
            ProcState::Killed => "killed".into(),
            ProcState::Exited(s) => format!("exited ({s})"),
        }
    }
}

struct Proc {
    /// The node's processes (etcd: one; the shop: one per part on it).
    children: Vec<Child>,
    state: ProcState,
}

/// What runs on the nodes: the only place the two databases differ here.
pub(crate) enum Launch {
    Etcd { binary: PathBuf, token: String },
    Shop(Box<ShopLaunch>),
}

impl Launch {
    fn commands(&self, me: &NodeInfo, all: &[NodeInfo]) -> Vec<tokio::process::Command> {
        match self {
            Launch::Etcd { binary, token } => vec![etcd::command(binary, me, all, token)],
            Launch::Shop(s) => s.commands(me, all),
        }
    }

    fn program(&self) -> String {
        match self {
            Launch::Etcd { binary, .. } => binary.display().to_string(),
            Launch::Shop(_) => "the shop".into(),
        }
    }
}

pub(crate) struct Nodes {
    launch: Launch,
    infos: Vec<NodeInfo>,
    procs: Mutex<BTreeMap<String, Proc>>,
    owners: SocketOwners,
}

impl Nodes {
    pub(crate) fn new(launch: Launch, infos: Vec<NodeInfo>, owners: SocketOwners) -> Nodes {
        Nodes {
            launch,
            infos,
            procs: Mutex::default(),
            owners,
        }
    }

    /// The shop's: the real addresses `name`'s parts listen on (`None` for etcd).
    pub(crate) fn shop_listens(&self, name: &str) -> Option<Vec<std::net::SocketAddr>> {
        let me = self.infos.iter().find(|n| n.name == name)?;
        match &self.launch {
            Launch::Shop(_) => Some(crate::shop::listens(me, &self.infos)),
            Launch::Etcd { .. } => None,
        }
    }

    pub(crate) fn infos(&self) -> &[NodeInfo] {
        &self.infos
    }

    fn info(&self, name: &str) -> Result<&NodeInfo, PlaygroundError> {
        let names: Vec<String> = self.infos.iter().map(|n| n.name.clone()).collect();
        self.infos
            .iter()
            .find(|n| n.name == name)
            .ok_or_else(|| unknown_node(name, &names))
    }

    /// Starts every node, each once the one before serves its peer port (see
    /// [`etcd::wait_serving`] for why).
    pub(crate) async fn start_all(&self) -> Result<(), PlaygroundError> {
        for n in &self.infos {
            if let Launch::Shop(s) = &self.launch {
                s.init(n, &self.infos)?;
            }
            self.spawn(&n.name).await?;
            self.ready(n).await?;
        }
        Ok(())
    }

    /// etcd: serving its peer port; the shop: its parts accept connections.
    async fn ready(&self, n: &NodeInfo) -> Result<(), PlaygroundError> {
        match &self.launch {
            Launch::Etcd { .. } => {
                etcd::wait_serving(n.real_peer, Duration::from_secs(3)).await;
                Ok(())
            }
            Launch::Shop(s) => s.ready(n, &self.infos).await,
        }
    }

    async fn spawn(&self, name: &str) -> Result<u32, PlaygroundError> {
        let info = self.info(name)?.clone();
        let mut children = Vec::new();
        for mut cmd in self.launch.commands(&info, &self.infos) {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&info.log)
                .map_err(|source| PlaygroundError::File {
                    what: "open",
                    path: info.log.clone(),
                    source,
                })?;
            let err = log
                .try_clone()
                .map_err(PlaygroundError::io("dup a log file"))?;
            cmd.stdin(Stdio::null())
                .stdout(log)
                .stderr(err)
                .kill_on_drop(true);
            // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let child = cmd.spawn().map_err(|e| PlaygroundError::Node {
                op: "start",
                node: name.to_string(),
                message: format!("{}: {e}", self.launch.program()),
            })?;
            children.push(child);
        }
        // Source identity names one process per node: its first.
        let pid = children.first().and_then(|c| c.id()).unwrap_or(0);
        self.owners.set(name, Some(pid));
        let proc = Proc {
            children,
            state: ProcState::Running,
        };
        self.procs.lock().await.insert(name.to_string(), proc);
        Ok(pid)
    }

    /// PID (0 when none) and state of `name`; notices a process that exited by itself.
    pub(crate) async fn state(&self, name: &str) -> Result<(u32, ProcState), PlaygroundError> {
        self.info(name)?;
        let mut procs = self.procs.lock().await;
        let Some(p) = procs.get_mut(name) else {
            return Ok((0, ProcState::Killed));
        };
        // One part gone is the node gone: the others are stopped with it.
        let exited = p
            .children
            .iter_mut()
            .find_map(|c| c.try_wait().ok().flatten());
        if let Some(status) = exited {
            for mut c in p.children.drain(..) {
                let _ = c.start_kill();
                let _ = c.wait().await;
            }
            p.state = ProcState::Exited(status.to_string());
            self.owners.set(name, None);
        }
        let pid = p.children.first().and_then(|c| c.id()).unwrap_or(0);
        Ok((pid, p.state.clone()))
    }

    /// SIGKILL; the node's data stays.
    pub(crate) async fn kill(&self, name: &str) -> Result<(), PlaygroundError> {
        self.info(name)?;
        let mut procs = self.procs.lock().await;
        let Some(p) = procs.get_mut(name) else {
            return Ok(());
        };
        for mut c in p.children.drain(..) {
            let _ = c.start_kill();
            let _ = c.wait().await;
        }
        p.state = ProcState::Killed;
        self.owners.set(name, None);
        Ok(())
    }

    /// Stops the process (SIGTERM, SIGKILL after 5 s) and starts it again on the same
    /// data directory and ports.
    pub(crate) async fn restart(&self, name: &str) -> Result<u32, PlaygroundError> {
        self.terminate(name).await?;
        let pid = self.spawn(name).await?;
        if let Launch::Shop(_) = &self.launch {
            self.ready(self.info(name)?).await?;
        }
        Ok(pid)
    }

    async fn terminate(&self, name: &str) -> Result<(), PlaygroundError> {
        self.info(name)?;
        let mut procs = self.procs.lock().await;
        let children = procs.get_mut(name).map(|p| std::mem::take(&mut p.children));
        for mut c in children.unwrap_or_default() {
            if let Some(pid) = c.id() {
                signal(pid, libc::SIGCONT);
                signal(pid, libc::SIGTERM);
            }
            if tokio::time::timeout(Duration::from_secs(5), c.wait())
                .await
                .is_err()
            {
                let _ = c.start_kill();
                let _ = c.wait().await;
            }
        }
        if let Some(p) = procs.get_mut(name) {
            p.state = ProcState::Killed;
        }
        self.owners.set(name, None);
        Ok(())
    }

    /// SIGSTOP (`pause`) or SIGCONT (`resume`).
    pub(crate) async fn pause(&self, name: &str, pause: bool) -> Result<(), PlaygroundError> {
        self.info(name)?;
        let op = if pause { "pause" } else { "resume" };
        let mut procs = self.procs.lock().await;
        let running = procs.get_mut(name).and_then(|p| {
            let pids: Vec<u32> = p.children.iter().filter_map(|c| c.id()).collect();
            (!pids.is_empty()).then_some((pids, p))
        });
        let Some((pids, p)) = running else {
            return Err(PlaygroundError::Node {
                op,
                node: name.to_string(),
                message: "it is not running (restart it first)".into(),
            });
        };
        for pid in pids {
            signal(pid, if pause { libc::SIGSTOP } else { libc::SIGCONT });
        }
        p.state = if pause {
            ProcState::Paused
        } else {
            ProcState::Running
        };
        Ok(())
    }

    /// Stops every node at once (the daemon's shutdown) with SIGKILL. Gracefully, a
    /// leader whose followers are stopping too waits seconds for a leadership
    /// transfer that cannot happen; and a new `start` wipes the data anyway.
    pub(crate) async fn stop_all(&self) {
        let mut procs = self.procs.lock().await;
        for (name, p) in procs.iter_mut() {
            for mut c in p.children.drain(..) {
                let _ = c.start_kill();
                let _ = c.wait().await;
            }
            p.state = ProcState::Killed;
            self.owners.set(name, None);
        }
    }
}

fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill(2) with a PID of our own child; no memory is involved.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

//! The node processes the daemon owns: spawn, kill, restart, pause, resume.
//!
//! Each etcd is a child of the daemon with `PR_SET_PDEATHSIG`, so a daemon killed
//! with SIGKILL takes its nodes with it instead of leaving them orphaned. Every
//! change of a node's PID is reported to [`SocketOwners`], which is how the proxies
//! tell which node a connection comes from.

use crate::owner::SocketOwners;
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
    child: Option<Child>,
    state: ProcState,
}

pub(crate) struct Nodes {
    binary: PathBuf,
    token: String,
    infos: Vec<NodeInfo>,
    procs: Mutex<BTreeMap<String, Proc>>,
    owners: SocketOwners,
}

impl Nodes {
    pub(crate) fn new(
        binary: PathBuf,
        token: String,
        infos: Vec<NodeInfo>,
        owners: SocketOwners,
    ) -> Nodes {
        Nodes {
            binary,
            token,
            infos,
            procs: Mutex::default(),
            owners,
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
            self.spawn(&n.name).await?;
            etcd::wait_serving(n.real_peer, Duration::from_secs(3)).await;
        }
        Ok(())
    }

    async fn spawn(&self, name: &str) -> Result<u32, PlaygroundError> {
        let info = self.info(name)?.clone();
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
        let mut cmd = etcd::command(&self.binary, &info, &self.infos, &self.token);
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
            message: format!("{}: {e}", self.binary.display()),
        })?;
        let pid = child.id().unwrap_or(0);
        self.owners.set(name, Some(pid));
        let proc = Proc {
            child: Some(child),
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
        if let Some(c) = p.child.as_mut() {
            if let Ok(Some(status)) = c.try_wait() {
                p.child = None;
                p.state = ProcState::Exited(status.to_string());
                self.owners.set(name, None);
            }
        }
        let pid = p.child.as_ref().and_then(|c| c.id()).unwrap_or(0);
        Ok((pid, p.state.clone()))
    }

    /// SIGKILL; the node's data stays.
    pub(crate) async fn kill(&self, name: &str) -> Result<(), PlaygroundError> {
        self.info(name)?;
        let mut procs = self.procs.lock().await;
        let Some(p) = procs.get_mut(name) else {
            return Ok(());
        };
        if let Some(mut c) = p.child.take() {
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
        self.spawn(name).await
    }

    async fn terminate(&self, name: &str) -> Result<(), PlaygroundError> {
        self.info(name)?;
        let mut procs = self.procs.lock().await;
        let Some(mut c) = procs.get_mut(name).and_then(|p| p.child.take()) else {
            return Ok(());
        };
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
        let running = procs
            .get_mut(name)
            .and_then(|p| Some((p.child.as_ref()?.id()?, p)));
        let Some((pid, p)) = running else {
            return Err(PlaygroundError::Node {
                op,
                node: name.to_string(),
                message: "it is not running (restart it first)".into(),
            });
        };
        signal(pid, if pause { libc::SIGSTOP } else { libc::SIGCONT });
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
            if let Some(mut c) = p.child.take() {
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

//! [`Remote`] over SSH with the system `ssh` client, through the `openssh` crate.
//!
//! Each node gets one multiplexed master connection (`ssh -M`), opened on first use
//! and shared by every task that talks to that node: commands are cheap channels on
//! it, so a runner with dozens of workers does not open dozens of TCP connections.
//! A connection that breaks (node restarted, `cluster down`/`up`) is dropped and
//! opened again on the next command. Files move as `cat` over the channel's stdin
//! and stdout: binary-safe, streamed, and needs nothing on the node but `sh`.

use super::{shell_quote, ControlError, LineStream, Output, Remote, SshOptions};
use async_trait::async_trait;
use openssh::{ControlPersist, KnownHosts, Session, SessionBuilder, Stdio};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// One node's connection slot: `None` until connected, or after it broke.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Session>>>>;

/// Runs commands on nodes over SSH; cheap to share behind an `Arc`.
pub struct SshRemote {
    opts: SshOptions,
    control_dir: PathBuf,
    slots: Mutex<HashMap<String, Slot>>,
    /// Node name to the host ssh dials, where they differ (a static list of
    /// machines, LXC containers, the address book's `ssh`); other nodes are
    /// dialled by name.
    hosts: HashMap<String, String>,
}

impl SshRemote {
    /// Makes a remote that connects lazily with `opts`.
    pub fn new(opts: SshOptions) -> SshRemote {
        SshRemote {
            opts,
            control_dir: std::env::temp_dir(),
            slots: Mutex::new(HashMap::new()),
            hosts: HashMap::new(),
        }
    }

    /// Connects to each node of `book` at its `ssh` host.
    pub fn with_book(mut self, book: &crate::addr::AddrBook) -> SshRemote {
        self.hosts = book
            .nodes()
            .iter()
            .map(|n| (n.node.clone(), n.ssh.clone()))
            .collect();
        self
    }

    /// The host SSH connects to for `node`.
    pub fn host<'a>(&'a self, node: &'a str) -> &'a str {
        self.hosts.get(node).map_or(node, String::as_str)
    }

    /// Dials `hosts[node]` instead of `node` (errors still name the node).
    pub fn with_hosts(mut self, hosts: HashMap<String, String>) -> SshRemote {
        self.hosts = hosts;
        self
    }

    /// The options this remote connects with.
    pub fn options(&self) -> &SshOptions {
        &self.opts
    }

    /// Connects to `node` (if not yet connected) and runs `true` there.
    pub async fn check(&self, node: &str) -> Result<(), ControlError> {
        let out = self.exec_unchecked(node, "true").await?;
        if out.code != 0 {
            return Err(ControlError::Connect {
                node: node.to_string(),
                message: format!("`true` exited with {}: {}", out.code, out.stderr.trim()),
            });
        }
        Ok(())
    }

    /// Closes every open connection (they also close when the remote is dropped).
    pub async fn close_all(&self) {
        let slots: Vec<Slot> = self.lock_slots().drain().map(|(_, s)| s).collect();
        for slot in slots {
            if let Some(session) = slot.lock().await.take() {
                if let Ok(session) = Arc::try_unwrap(session) {
                    let _ = session.close().await;
                }
            }
        }
    }

    fn lock_slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn slot(&self, node: &str) -> Slot {
        self.lock_slots()
            .entry(node.to_string())
            .or_default()
            .clone()
    }

    fn builder(&self) -> SessionBuilder {
        let mut b = SessionBuilder::default();
        b.user(self.opts.username.clone())
            .port(self.opts.port)
            .connect_timeout(Duration::from_secs(self.opts.connect_timeout.max(1)))
            .control_directory(&self.control_dir)
            .server_alive_interval(Duration::from_secs(10))
            // A master left behind by a crashed process ends after 10 idle minutes;
            // an idle master that ended is reopened on the next command.
            .control_persist(ControlPersist::IdleFor(
                NonZeroUsize::new(600).expect("nonzero"),
            ));
        if let Some(key) = &self.opts.private_key {
            b.keyfile(key);
        }
        if self.opts.strict_host_key_checking {
            b.known_hosts_check(KnownHosts::Strict);
        } else {
            b.known_hosts_check(KnownHosts::Accept)
                .user_known_hosts_file("/dev/null");
        }
        b
    }

    /// The node's session, connecting if there is none.
    async fn session(&self, node: &str) -> Result<Arc<Session>, ControlError> {
        let slot = self.slot(node);
        let mut guard = slot.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        // ConnectTimeout covers TCP only; bound the handshake as well.
        let limit = Duration::from_secs(self.opts.connect_timeout.max(1) * 2 + 5);
        let builder = self.builder();
        let connect = builder.connect_mux(self.host(node).to_string());
        let session = match tokio::time::timeout(limit, connect).await {
            Ok(Ok(s)) => Arc::new(s),
            Ok(Err(e)) => {
                // The crate's own prefix repeats ours; ssh's words follow it.
                let chain = error_chain(&e);
                let message = chain
                    .strip_prefix("failed to connect to the remote host: ")
                    .unwrap_or(&chain)
                    .to_string();
                return Err(ControlError::Connect {
                    node: node.to_string(),
                    message,
                });
            }
            Err(_) => {
                return Err(ControlError::Connect {
                    node: node.to_string(),
                    message: format!("no answer within {}s", limit.as_secs()),
                })
            }
        };
        *guard = Some(session.clone());
        Ok(session)
    }

    /// Forgets `node`'s session if it is still `broken`, so the next call reconnects.
    async fn forget(&self, node: &str, broken: &Arc<Session>) {
        let slot = self.slot(node);
        let mut guard = slot.lock().await;
        if guard.as_ref().is_some_and(|s| Arc::ptr_eq(s, broken)) {
            *guard = None;
        }
    }

    /// How a copy through `cmd` ended, from the copy's result, the remote
    /// command's exit and its stderr. A broken session is forgotten, so that the
    /// next call reconnects.
    async fn transfer_outcome(
        &self,
        node: &str,
        session: &Arc<Session>,
        cmd: &str,
        copied: std::io::Result<u64>,
        status: Result<std::process::ExitStatus, openssh::Error>,
        stderr: &[u8],
    ) -> Result<(), String> {
        let stderr = String::from_utf8_lossy(stderr).trim().to_string();
        match (copied, status) {
            (Ok(_), Ok(s)) if s.success() => Ok(()),
            (Ok(_), Ok(s)) => Err(format!("`{cmd}` exited with {}: {stderr}", exit_code(s))),
            (Err(e), _) => Err(format!("write failed: {e}; stderr: {stderr}")),
            (_, Err(e)) => {
                self.forget(node, session).await;
                Err(error_chain(&e))
            }
        }
    }

    /// Spawns `sh -c cmd` on the node with the given stdio. A failure to open the
    /// channel (the command never started) reconnects once; later failures do not
    /// retry, since the command may have run.
    async fn spawn(
        &self,
        node: &str,
        cmd: &str,
        stdin: bool,
    ) -> Result<(Arc<Session>, openssh::Child<Arc<Session>>), ControlError> {
        let line = format!("sh -c {}", shell_quote(cmd));
        let mut last = String::new();
        for _attempt in 0..2 {
            let session = self.session(node).await?;
            let mut command = Session::to_raw_command(session.clone(), &line);
            command
                .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            match command.spawn().await {
                Ok(child) => return Ok((session, child)),
                Err(e) => {
                    last = error_chain(&e);
                    self.forget(node, &session).await;
                }
            }
        }
        Err(ControlError::Session {
            node: node.to_string(),
            cmd: cmd.to_string(),
            message: last,
        })
    }

    fn session_error(node: &str, cmd: &str, e: impl std::error::Error) -> ControlError {
        ControlError::Session {
            node: node.to_string(),
            cmd: cmd.to_string(),
            message: error_chain(&e),
        }
    }
}

#[async_trait]
impl Remote for SshRemote {
    async fn exec_unchecked(&self, node: &str, cmd: &str) -> Result<Output, ControlError> {
        let (session, child) = self.spawn(node, cmd, false).await?;
        match child.wait_with_output().await {
            Ok(out) => Ok(Output {
                code: exit_code(out.status),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }),
            Err(e) => {
                self.forget(node, &session).await;
                Err(Self::session_error(node, cmd, e))
            }
        }
    }

    async fn stream_lines(&self, node: &str, cmd: &str) -> Result<LineStream, ControlError> {
        let (session, mut child) = self.spawn(node, cmd, false).await?;
        let Some(stdout) = child.stdout().take() else {
            return Err(Self::session_error(
                node,
                cmd,
                std::io::Error::other("no stdout"),
            ));
        };
        Ok(LineStream::spawn(stdout, (child, session)))
    }

    async fn upload(
        &self,
        node: &str,
        local: &Path,
        remote_path: &str,
    ) -> Result<(), ControlError> {
        let fail =
            ControlError::transfer(node, local.display().to_string(), remote_path.to_string());
        let mut file = tokio::fs::File::open(local)
            .await
            .map_err(|e| fail(format!("cannot open local file: {e}")))?;
        let mode = file
            .metadata()
            .await
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777)
            .unwrap_or(0o644);
        let cmd = upload_command(remote_path, mode);
        let (session, mut child) = self.spawn(node, &cmd, true).await?;
        let mut stdin = child.stdin().take().expect("stdin was piped");
        let mut stderr = child.stderr().take().expect("stderr was piped");
        let copy = async {
            let r = tokio::io::copy(&mut file, &mut stdin).await;
            drop(stdin); // EOF for `cat`
            r
        };
        let mut err_text = Vec::new();
        let (copied, _) = tokio::join!(copy, stderr.read_to_end(&mut err_text));
        let status = child.wait().await;
        self.transfer_outcome(node, &session, &cmd, copied, status, &err_text)
            .await
            .map_err(fail)
    }

    async fn download(
        &self,
        node: &str,
        remote_path: &str,
        local: &Path,
    ) -> Result<(), ControlError> {
        let fail =
            ControlError::transfer(node, remote_path.to_string(), local.display().to_string());
        super::create_parent_dir(local).await.map_err(&fail)?;
        let mut file = tokio::fs::File::create(local)
            .await
            .map_err(|e| fail(format!("cannot create local file: {e}")))?;
        let cmd = format!("cat {}", shell_quote(remote_path));
        let (session, mut child) = self.spawn(node, &cmd, false).await?;
        let mut stdout = child.stdout().take().expect("stdout was piped");
        let mut stderr = child.stderr().take().expect("stderr was piped");
        let mut err_text = Vec::new();
        let (copied, _) = tokio::join!(
            tokio::io::copy(&mut stdout, &mut file),
            stderr.read_to_end(&mut err_text)
        );
        let status = child.wait().await;
        let result = self
            .transfer_outcome(node, &session, &cmd, copied, status, &err_text)
            .await
            .map_err(fail);
        if result.is_err() {
            let _ = tokio::fs::remove_file(local).await;
        }
        result
    }
}

/// Writes stdin to a temporary file beside `path`, then renames it into place: a
/// reader never sees half a file, and a running binary can be replaced (writing
/// over it in place fails with "Text file busy"). Keeps the local file's mode.
fn upload_command(path: &str, mode: u32) -> String {
    let q = shell_quote(path);
    let tmp = shell_quote(&format!("{path}.rjepsen-upload"));
    format!(
        "mkdir -p \"$(dirname {q})\" && {{ cat > {tmp} && chmod {mode:o} {tmp} && mv -f {tmp} {q}; }} \
         || {{ rc=$?; rm -f {tmp}; exit $rc; }}"
    )
}

/// The remote exit code; a command ended by a signal counts as 128 + signal, as in sh.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}

/// An error and its sources on one line: ssh's own words are usually in a source.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The book's `ssh` host is where a node is reached; unknown nodes are
    /// their own host.
    #[test]
    fn hosts_come_from_the_book() {
        use crate::addr::{AddrBook, NodeAddrs};
        let n1 = NodeAddrs {
            ssh: "jump-n1.example".into(),
            ..NodeAddrs::at("n1", "10.0.0.1:2379".parse().unwrap(), 2380)
        };
        let remote = SshRemote::new(SshOptions::default()).with_book(&AddrBook::new(vec![n1]));
        assert_eq!(remote.host("n1"), "jump-n1.example");
        assert_eq!(remote.host("n2"), "n2");
    }

    #[test]
    fn error_chain_keeps_sources_once() {
        let inner = std::io::Error::other("Connection refused");
        let outer = ControlError::Connect {
            node: "n1".into(),
            message: error_chain(&inner),
        };
        assert_eq!(
            error_chain(&outer),
            "failed to connect to n1: Connection refused"
        );
    }

    #[test]
    fn upload_command_replaces_atomically_and_keeps_mode() {
        let dir = std::env::temp_dir().join(format!("rjepsen-upcmd-{}", std::process::id()));
        let target = dir.join("sub/it's.bin");
        let cmd = upload_command(target.to_str().unwrap(), 0o755);
        let run = |input: &[u8], cmd: &str| {
            use std::io::Write;
            let mut child = std::process::Command::new("sh")
                .args(["-c", cmd])
                .stdin(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(input).unwrap();
            child.wait().unwrap()
        };
        assert!(run(b"\x00\xffdata", &cmd).success());
        assert_eq!(std::fs::read(&target).unwrap(), b"\x00\xffdata");
        let mode = std::fs::metadata(&target).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o755
        );
        assert!(!dir.join("sub/it's.bin.rjepsen-upload").exists());
        // A failure leaves no temporary file and reports a non-zero exit.
        let bad = upload_command("/proc/version", 0o644);
        assert!(!run(b"x", &bad).success());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn unreachable_node_is_named() {
        // Port 1 on loopback: nothing listens there, so ssh fails fast.
        let remote = SshRemote::new(SshOptions {
            port: 1,
            connect_timeout: 2,
            ..SshOptions::default()
        });
        let err = remote.exec("127.0.0.1", "true").await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("failed to connect to 127.0.0.1: "),
            "{text}"
        );
        assert!(!text.contains("remote host"), "{text}");
        assert!(text.to_lowercase().contains("refused"), "{text}");
    }
}

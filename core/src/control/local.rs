//! [`Remote`] for the control node itself: commands run here through `sh -c`.
//!
//! Useful for tests and for single-machine set-ups where a "node" is the control
//! node; the node name only labels errors, so output reads the same as over SSH.

use super::{ControlError, LineStream, Output, Remote};
use async_trait::async_trait;
use std::path::Path;
use std::process::Stdio;

/// Runs every command on the control node, whatever node it is addressed to.
#[derive(Clone, Debug, Default)]
pub struct LocalRemote;

impl LocalRemote {
    pub fn new() -> LocalRemote {
        LocalRemote
    }
}

#[async_trait]
impl Remote for LocalRemote {
    async fn exec_unchecked(&self, node: &str, cmd: &str) -> Result<Output, ControlError> {
        let out = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| ControlError::Session {
                node: node.to_string(),
                cmd: cmd.to_string(),
                message: format!("cannot start sh: {e}"),
            })?;
        Ok(Output {
            code: exit_code(out.status),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    async fn stream_lines(&self, node: &str, cmd: &str) -> Result<LineStream, ControlError> {
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ControlError::Session {
                node: node.to_string(),
                cmd: cmd.to_string(),
                message: format!("cannot start sh: {e}"),
            })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        Ok(LineStream::spawn(stdout, child))
    }

    async fn upload(
        &self,
        node: &str,
        local: &Path,
        remote_path: &str,
    ) -> Result<(), ControlError> {
        copy(node, local, Path::new(remote_path)).await
    }

    async fn download(
        &self,
        node: &str,
        remote_path: &str,
        local: &Path,
    ) -> Result<(), ControlError> {
        copy(node, Path::new(remote_path), local).await
    }
}

async fn copy(node: &str, from: &Path, to: &Path) -> Result<(), ControlError> {
    let fail = ControlError::transfer(node, from.display().to_string(), to.display().to_string());
    super::create_parent_dir(to).await.map_err(&fail)?;
    tokio::fs::copy(from, to)
        .await
        .map(|_| ())
        .map_err(|e| fail(e.to_string()))
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_through_sh_and_reports_failures() {
        let r = LocalRemote::new();
        let out = r.exec("here", "echo a; echo b >&2").await.unwrap();
        assert_eq!(out.stdout, "a\n");
        assert_eq!(out.stderr, "b\n");
        let err = r.exec("here", "echo oops >&2; exit 3").await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("on here"), "{text}");
        assert!(text.contains("exit code 3"), "{text}");
        assert!(text.contains("oops"), "{text}");
    }

    #[tokio::test]
    async fn streams_lines_and_stops_the_command_when_dropped() {
        let r = LocalRemote::new();
        let mut s = r.stream_lines("here", "echo a; echo b").await.unwrap();
        assert_eq!(s.next_line().await.as_deref(), Some("a"));
        assert_eq!(s.next_line().await.as_deref(), Some("b"));
        assert_eq!(s.next_line().await, None);
        // A loop that never ends is ended by dropping its stream.
        let dir = std::env::temp_dir().join(format!("rjepsen-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pid = dir.join("pid");
        let cmd = format!(
            "echo $$ > {}; while :; do echo x; sleep 0.05; done",
            pid.display()
        );
        let mut s = r.stream_lines("here", &cmd).await.unwrap();
        assert_eq!(s.next_line().await.as_deref(), Some("x"));
        let pid = std::fs::read_to_string(&pid).unwrap().trim().to_string();
        drop(s);
        let gone = async {
            while std::path::Path::new(&format!("/proc/{pid}")).exists() {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), gone)
            .await
            .expect("the loop ends when its stream is dropped");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn copies_files_both_ways() {
        let dir = std::env::temp_dir().join(format!("rjepsen-local-{}", std::process::id()));
        let src = dir.join("src.bin");
        std::fs::create_dir_all(&dir).unwrap();
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        std::fs::write(&src, &bytes).unwrap();
        let r = LocalRemote::new();
        let there = dir.join("sub/there.bin");
        r.upload("here", &src, there.to_str().unwrap())
            .await
            .unwrap();
        let back = dir.join("back.bin");
        r.download("here", there.to_str().unwrap(), &back)
            .await
            .unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), bytes);
        let err = r
            .download("here", "/nonexistent/x", &back)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

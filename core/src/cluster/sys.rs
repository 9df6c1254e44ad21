//! Small helpers over the host: running `ip`/`iptables`/`ssh-keygen`, and looking
//! at and killing processes by [`ProcId`] (pid plus start time), never by name.

use super::{ClusterError, ProcId};
use std::os::unix::fs::MetadataExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Whether this process runs as root (owner of `/proc/self` is the effective uid).
pub(crate) fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Runs `program args..`; a non-zero exit is an error naming `what` and the command.
pub(crate) async fn run(what: &str, program: &str, args: &[&str]) -> Result<String, ClusterError> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args);
    output(what, program, args, cmd).await
}

async fn output(
    what: &str,
    program: &str,
    args: &[&str],
    mut cmd: tokio::process::Command,
) -> Result<String, ClusterError> {
    let line = std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let out = cmd
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| ClusterError::other(what, format!("cannot start `{line}`: {e}")))?;
    if !out.status.success() {
        return Err(ClusterError::Command {
            what: what.to_string(),
            cmd: line,
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// [`run`] for a command that starts something outliving us (a node's
/// launcher): the child gets none of our descriptors beyond stdio, so that a
/// lock held by whoever ran us (`flock LOCK rjepsen cluster up`) is not held by
/// the nodes until `down`.
pub(crate) async fn run_detached(
    what: &str,
    program: &str,
    args: &[&str],
) -> Result<String, ClusterError> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args);
    // SAFETY: close_range(2) is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
            Ok(())
        });
    }
    output(what, program, args, cmd).await
}

/// Whether `program args..` exits 0 (for probes such as `iptables -C`).
pub(crate) async fn succeeds(program: &str, args: &[&str]) -> bool {
    tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The start time of `pid` (field 22 of `/proc/PID/stat`), if it exists and is
/// not a zombie.
pub(crate) fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: skip past it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// `pid`'s identity now, if it is running.
pub(crate) fn proc_id(pid: i32) -> Option<ProcId> {
    start_time(pid).map(|start_time| ProcId { pid, start_time })
}

/// Whether the process recorded as `p` still runs (same pid and start time).
pub(crate) fn alive(p: &ProcId) -> bool {
    start_time(p.pid) == Some(p.start_time)
}

/// The command name of `pid` (`/proc/PID/comm`).
pub(crate) fn comm(pid: i32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// The first child of `pid`, if any.
pub(crate) fn first_child(pid: i32) -> Option<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Sends SIGKILL to `p` if it is still the process we recorded.
pub(crate) fn kill(p: &ProcId) -> bool {
    if !alive(p) {
        return false;
    }
    // SAFETY: kill(2) with a pid and signal number has no memory effects.
    unsafe { libc::kill(p.pid, libc::SIGKILL) == 0 }
}

/// Waits until none of `procs` runs, up to `limit`; returns those still running.
pub(crate) async fn wait_gone(procs: &[ProcId], limit: Duration) -> Vec<ProcId> {
    let deadline = Instant::now() + limit;
    loop {
        let left: Vec<ProcId> = procs.iter().copied().filter(alive).collect();
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        let me = std::process::id() as i32;
        let id = proc_id(me).unwrap();
        assert!(alive(&id));
        assert!(!alive(&ProcId {
            pid: me,
            start_time: id.start_time + 1
        }));
        assert!(comm(me).is_some());
    }

    #[tokio::test]
    async fn kills_a_child_it_started_and_only_that() {
        let mut child = tokio::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id().unwrap() as i32;
        let id = proc_id(pid).unwrap();
        // A stale record (another start time) must not be killed.
        assert!(!kill(&ProcId {
            pid,
            start_time: id.start_time + 1
        }));
        assert!(kill(&id));
        child.wait().await.unwrap();
        assert!(wait_gone(&[id], Duration::from_secs(2)).await.is_empty());
    }

    #[tokio::test]
    async fn a_detached_child_gets_no_descriptors_beyond_stdio() {
        use std::os::fd::AsRawFd;
        let held = std::fs::File::open("/proc/self/stat").unwrap();
        let fd = held.as_raw_fd();
        // Not close-on-exec, as a lock inherited from `flock` is not.
        unsafe { libc::fcntl(fd, libc::F_SETFD, 0) };
        let probe = format!("test -e /proc/self/fd/{fd} && echo open || echo closed");
        assert_eq!(run("probe", "sh", &["-c", &probe]).await.unwrap(), "open\n");
        assert_eq!(
            run_detached("probe", "sh", &["-c", &probe]).await.unwrap(),
            "closed\n"
        );
    }

    #[tokio::test]
    async fn run_reports_the_command_and_stderr() {
        let err = run("probe", "sh", &["-c", "echo bad >&2; exit 4"])
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("failed to probe: `sh -c"), "{text}");
        assert!(text.contains("exited with 4: bad"), "{text}");
    }
}

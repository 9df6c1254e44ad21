//! Kill and pause of the shop's processes on a node: core's `Scripted`
//! implementations (as PostgreSQL's adapter has them) with this crate's
//! scripts, so that `--nemesis kill,pause` act on the services and on
//! PostgreSQL alike.
//!
//! A node's "DB process" is every part of the shop it hosts (`layout`): on the
//! first node PostgreSQL (the postmaster and its children), on the others two
//! services each (one Python process each, found by its pid file). Killing a
//! node kills all of them; starting it again starts each that is not running,
//! with the same environment set-up gave it (the book's addresses and the
//! run's OTLP receiver, remembered at set-up). The scripts find the processes
//! from the node's own files, so kill and pause need no node name; only the
//! start does, to know which parts belong there.

use crate::commands::{self as cmd, pg_helpers};
use crate::db::service_env;
use crate::layout::{Layout, Role};
use async_trait::async_trait;
use rjepsen_core::db::{DbError, Scripted};
use rjepsen_core::test::Test;
use std::sync::Mutex;

/// The shop's processes, as core's `Kill` and `Pause` see them.
#[derive(Default)]
pub(crate) struct Processes {
    /// The OTLP exporter's environment set-up gave the services.
    otlp: Mutex<Vec<(String, String)>>,
}

impl Processes {
    /// Keeps the exporter's environment for services started again later.
    pub(crate) fn remember_otlp(&self, env: &[(String, String)]) {
        *self.otlp.lock().expect("not poisoned") = env.to_vec();
    }
}

/// `pids`: every live process of the shop on this node, each service's (its
/// pid file) and PostgreSQL's postmaster with its children. `none`: true when
/// the node hosts no part of the shop.
fn helpers() -> String {
    format!(
        "{pg}live() {{ [ -d /proc/$1 ] && ! grep -q '^State:[[:space:]]*Z' /proc/$1/status 2>/dev/null; }}
pids() {{ for f in {app}/*.pid; do p=$(cat \"$f\" 2>/dev/null); [ -n \"$p\" ] && live \"$p\" && echo \"$p\"; done
p=$(pm); [ -z \"$p\" ] && return; echo \"$p\"
for d in /proc/[0-9]*; do [ \"$(awk '{{print $4}}' $d/stat 2>/dev/null)\" = \"$p\" ] && echo \"${{d#/proc/}}\"; done; }}
none() {{ [ ! -d {app} ] && [ ! -d {data} ]; }}
",
        pg = pg_helpers(),
        app = cmd::APP_DIR,
        data = cmd::PG_DATA,
    )
}

/// SIGKILLs every shop process on the node (resumed first, so a paused one
/// dies too) and waits until each is gone.
pub(crate) fn kill() -> String {
    format!(
        "{h}ps=$(pids)
for p in $ps; do kill -CONT \"$p\" 2>/dev/null; kill -9 \"$p\" 2>/dev/null; done
for p in $ps; do i=0; while live \"$p\" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; done
true",
        h = helpers()
    )
}

/// Sends `signal` (STOP or CONT) to every shop process on the node; a node
/// that hosts nothing has nothing to signal; CONT of nothing succeeds.
pub(crate) fn signal(signal: &str) -> String {
    format!(
        "{h}none && exit 0
ps=$(pids)
if [ -z \"$ps\" ]; then [ {signal} = CONT ] && exit 0; echo 'no process of the shop runs on this node' >&2; exit 1; fi
for p in $ps; do kill -{signal} \"$p\"; done",
        h = helpers()
    )
}

/// Prints `paused` when a shop process on the node is stopped (SIGSTOP).
pub(crate) fn paused() -> String {
    format!(
        "{h}for p in $(pids); do grep -q '^State:[[:space:]]*T' /proc/$p/status 2>/dev/null && {{ echo paused; exit 0; }}; done
echo running",
        h = helpers()
    )
}

/// Each script in a subshell of its own (they `exit 0` when their part
/// runs), the whole failing when one does.
fn each(scripts: &[String]) -> String {
    scripts
        .iter()
        .map(|s| format!("(\n{s}\n) || exit 1\n"))
        .collect()
}

#[async_trait]
impl Scripted for Processes {
    fn kill_script(&self) -> String {
        kill()
    }

    /// Starts each part of the shop on `node` that is not running: the same
    /// scripts as set-up, which leave a running part alone.
    async fn start_script(&self, test: &Test, node: &str) -> Result<String, DbError> {
        let fail = |e: String| DbError::Other {
            node: node.to_string(),
            action: "start the shop again".into(),
            message: e,
        };
        let layout = Layout::of_test(test).map_err(fail)?;
        let otlp = self.otlp.lock().expect("not poisoned").clone();
        let mut scripts = Vec::new();
        for role in layout.on(node) {
            let at = layout
                .listen(&test.addrs, role)
                .map_err(|e| fail(e.to_string()))?;
            if role == Role::Postgres {
                scripts.push(cmd::start_postgres(at));
                continue;
            }
            let mut env = service_env(test, &layout, role)?;
            env.extend(otlp.iter().cloned());
            scripts.push(cmd::start_service(role, at, &env));
        }
        Ok(each(&scripts))
    }

    fn signal_script(&self, signal: &str) -> String {
        self::signal(signal)
    }

    fn paused_script(&self) -> Option<String> {
        Some(paused())
    }

    /// Unused: the shop's `LogFiles` are its own (per node, by layout).
    fn log_paths(&self) -> Vec<String> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scripts are valid `sh` (parsed by `sh -n`, not run).
    #[test]
    fn scripts_parse_as_sh() {
        let start = each(&[
            cmd::start_postgres("10.0.0.1:8081".parse().unwrap()),
            cmd::start_service(Role::Orders, "10.0.0.2:8080".parse().unwrap(), &[]),
        ]);
        for s in [kill(), signal("STOP"), signal("CONT"), paused(), start] {
            let out = std::process::Command::new("sh")
                .args(["-n", "-c", &s])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{s}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

//! `rjepsen playground start` and the daemon it spawns.
//!
//! The daemon is this same binary, detached: its own process group (a Ctrl-C in
//! the terminal does not reach it), stdin closed, output in `DIR/daemon.log`.
//! `start` waits for the daemon's `state.json`, then for a healthy cluster (every
//! node answers and all name one leader), and reports how long that took.

use super::playground::{user_error, StartArgs};
use crate::config::BadArgs;
use anyhow::Context;
use rjepsen_playground::{
    running_daemon, Daemon, DaemonConfig, DbChoice, Playground, PlaygroundError, State,
};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HEALTHY_WITHIN: Duration = Duration::from_secs(30);

pub fn start(dir: &Path, a: &StartArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    let db = db_choice(&a.db, a.db_binary.as_deref(), a.shop_fixed)?;
    if !(1..=9).contains(&a.count) {
        return Err(BadArgs(format!("--count {}: expected 1 to 9 nodes", a.count)).into());
    }
    if let Some(pid) = running_daemon(dir) {
        let e = PlaygroundError::AlreadyRunning {
            dir: dir.to_path_buf(),
            pid,
        };
        return Err(BadArgs(e.to_string()).into());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("failed to resolve {}", dir.display()))?;
    let seed = a.seed.unwrap_or_else(rand::random);
    let mut child = spawn_daemon(&dir, a.count, seed, &db)?;
    let pid = child.id();
    let log = dir.join("daemon.log");
    let state = loop {
        if let Ok(s) = State::read(&dir) {
            if s.daemon_pid == pid {
                break s;
            }
        }
        if let Some(status) = child.try_wait()? {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            anyhow::bail!(
                "the playground daemon exited ({status}) before it was up; {}:\n{tail}",
                log.display()
            );
        }
        if started.elapsed() > HEALTHY_WITHIN {
            anyhow::bail!("the playground daemon (pid {pid}) wrote no state within {HEALTHY_WITHIN:?}; see {}", log.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let mut pg = Playground::open(&dir).await?;
        match pg.wait_healthy(HEALTHY_WITHIN).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // Nothing half-started stays behind.
                let _ = pg.stop().await;
                Err(e)
            }
        }
    })
    .map_err(user_error)
    .with_context(|| format!("playground in {} (logs: {})", dir.display(), log.display()))?;
    eprintln!(
        "playground: {} {} nodes healthy in {:.2}s (seed {seed}, daemon pid {pid}, dir {})",
        state.nodes.len(),
        state.db,
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    if state.db == rjepsen_playground::shop::NAME {
        print_shop(&state);
        return Ok(0);
    }
    for n in &state.nodes {
        println!("{}\thttp://{}", n.name, n.client);
    }
    Ok(0)
}

/// The shop's parts as a client dials them (fronts first) and where its spans go.
fn print_shop(state: &State) {
    for (role, node, addr) in rjepsen_playground::shop::parts(&state.nodes) {
        println!("{role}\t{node}\t{addr}");
    }
    if let Some(t) = &state.traces {
        eprintln!("playground: spans in {}", t.display());
    }
}

/// `--db`, `--db-binary` and `--shop-fixed` as the daemon takes them.
pub fn db_choice(db: &str, binary: Option<&Path>, fixed: bool) -> anyhow::Result<DbChoice> {
    match db {
        "etcd" if fixed => Err(BadArgs("--shop-fixed: only with --db shop".into()).into()),
        "etcd" => Ok(DbChoice::Etcd {
            binary: self::binary(binary)?,
        }),
        "shop" if binary.is_some() => Err(BadArgs(
            "--db-binary: not with --db shop (it runs Debian's PostgreSQL and the venv)".into(),
        )
        .into()),
        "shop" => Ok(DbChoice::Shop { fixed }),
        other => Err(BadArgs(format!("--db {other}: the playground runs etcd or shop")).into()),
    }
}

/// `--db-binary` if it exists, else `etcd` from PATH.
fn binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(b) = given {
        if !b.is_file() {
            return Err(BadArgs(format!("--db-binary {}: no such file", b.display())).into());
        }
        return Ok(b.canonicalize()?);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("etcd"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            BadArgs("etcd is not on PATH: install etcd-server (scripts/setup.sh --deps) or pass --db-binary".into())
                .into()
        })
}

fn spawn_daemon(
    dir: &Path,
    count: usize,
    seed: u64,
    db: &DbChoice,
) -> anyhow::Result<std::process::Child> {
    let log_path = dir.join("daemon.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("failed to create {}", log_path.display()))?;
    let exe = std::env::current_exe().context("failed to find this program's path")?;
    let child = Command::new(exe)
        .arg("playground")
        .arg("--dir")
        .arg(dir)
        .arg("daemon")
        .args(["--count", &count.to_string(), "--seed", &seed.to_string()])
        .args(db_args(db))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("failed to start the playground daemon")?;
    Ok(child)
}

fn db_args(db: &DbChoice) -> Vec<std::ffi::OsString> {
    match db {
        DbChoice::Etcd { binary } => vec!["--db-binary".into(), binary.into()],
        DbChoice::Shop { fixed } => {
            let mut a = vec!["--db".into(), "shop".into()];
            if *fixed {
                a.push("--shop-fixed".into());
            }
            a
        }
    }
}

/// The daemon: runs until `stop` (or SIGTERM).
pub fn daemon(dir: &Path, count: usize, seed: u64, db: DbChoice) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let cfg = DaemonConfig {
            dir: dir.to_path_buf(),
            count,
            seed,
            db,
        };
        let d = match Daemon::start(cfg).await {
            Ok(d) => d,
            Err(e) => {
                let _ = std::fs::remove_file(dir.join(rjepsen_playground::PID_FILE));
                return Err(e);
            }
        };
        eprintln!(
            "playground daemon {} up: control {}",
            std::process::id(),
            d.state().control
        );
        d.wait().await
    })?;
    eprintln!("playground daemon {} stopped", std::process::id());
    Ok(0)
}

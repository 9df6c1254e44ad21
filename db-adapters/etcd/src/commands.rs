//! The shell command lines the etcd `Db` runs on a node, built as plain strings.
//!
//! Kept apart from the async code so that every script can be read (and unit
//! tested) in one place. They are POSIX `sh` for `Remote::exec`, use only coreutils
//! and `/proc`, and never touch a process that is not this node's etcd:
//! processes are found by pidfile, or by an `etcd` executable whose command line
//! names our data directory.

use rjepsen_core::addr::{AddrBook, NodeAddrs};
use rjepsen_core::control::shell_quote;

pub const DATA_DIR: &str = "/var/lib/rjepsen/etcd-data";
pub const PIDFILE: &str = "/var/lib/rjepsen/etcd.pid";
pub const LOG_FILE: &str = "/var/log/rjepsen/etcd.log";
/// Where `--db-binary` is uploaded.
pub const UPLOADED_BINARY: &str = "/opt/rjepsen/etcd";
/// The etcd peer port on every node (what the address book is built with).
pub const PEER_PORT: u16 = 2380;

/// `alive PID`: true for a live process (a zombie is dead). `ours`: pids of etcd
/// processes serving our data directory (found even if the pidfile is lost).
const HELPERS: &str = r#"alive() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; case "$s" in ""|*") Z "*) return 1;; esac; }
ours() { for d in /proc/[0-9]*; do case "$(readlink "$d/exe" 2>/dev/null)" in */etcd) tr '\0' ' ' < "$d/cmdline" 2>/dev/null | grep -q -- "--data-dir __DATA__" && echo "${d#/proc/}";; esac; done; }
"#;

fn helpers() -> String {
    HELPERS.replace("__DATA__", DATA_DIR)
}

/// Prints the path of an installed etcd, installing Debian's `etcd-server` if none.
pub fn install_package() -> String {
    "command -v etcd >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
     apt-get install -y -o DPkg::Lock::Timeout=120 etcd-server >/dev/null \
     || { apt-get update -o DPkg::Lock::Timeout=120 >/dev/null && \
     apt-get install -y -o DPkg::Lock::Timeout=120 etcd-server >/dev/null; }; } && command -v etcd"
        .to_string()
}

/// The etcd command line for the node `me` in the cluster of `book`: it listens
/// on its own addresses and advertises (to clients and peers, and in the
/// initial cluster) what the book says the others dial — a proxy's address when
/// one stands in front of it.
pub fn etcd_args(binary: &str, me: &NodeAddrs, book: &AddrBook) -> String {
    let cluster: Vec<String> = book
        .nodes()
        .iter()
        .map(|n| format!("{}=http://{}", n.node, n.peer))
        .collect();
    let client_port = me.listen_client.port();
    format!(
        "{} --name {} --data-dir {DATA_DIR} \
         --listen-peer-urls http://{} \
         --initial-advertise-peer-urls http://{} \
         --listen-client-urls http://{},http://127.0.0.1:{client_port} \
         --advertise-client-urls http://{} \
         --initial-cluster {} --initial-cluster-state new \
         --initial-cluster-token rjepsen",
        shell_quote(binary),
        shell_quote(&me.node),
        me.listen_peer,
        me.peer,
        me.listen_client,
        me.client,
        shell_quote(&cluster.join(","))
    )
}

/// Starts etcd in the background with `args` unless it already runs; fails with
/// the log's tail if it dies at once.
pub fn start(args: &str) -> String {
    format!(
        "{h}mkdir -p /var/lib/rjepsen /var/log/rjepsen && cd /var/lib/rjepsen || exit 1
p=$(cat {PIDFILE} 2>/dev/null)
if [ -n \"$p\" ] && alive \"$p\"; then echo running; exit 0; fi
echo \"--- $(date -u +%FT%TZ) starting etcd\" >> {LOG_FILE}
nohup setsid {args} >> {LOG_FILE} 2>&1 < /dev/null &
echo $! > {PIDFILE}
sleep 0.3
if ! alive $!; then echo 'etcd exited at once; log tail:' >&2; tail -n 20 {LOG_FILE} >&2; exit 1; fi
echo started",
        h = helpers()
    )
}

/// SIGKILLs etcd (by pidfile and any stray of ours) and waits up to 10 s until it
/// is gone.
pub fn kill() -> String {
    format!(
        "{h}pids=\"$(cat {PIDFILE} 2>/dev/null) $(ours)\"
for p in $pids; do kill -9 \"$p\" 2>/dev/null; done
i=0
for p in $pids; do
  while alive \"$p\" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  if alive \"$p\"; then echo \"etcd pid $p survived SIGKILL\" >&2; exit 1; fi
done
rm -f {PIDFILE}",
        h = helpers()
    )
}

/// Sends `signal` (STOP or CONT) to etcd by its pidfile; fails, saying so, when
/// etcd is not running (killed: the pidfile is gone, or its pid is dead).
pub fn signal(signal: &str) -> String {
    format!(
        "{h}p=$(cat {PIDFILE} 2>/dev/null)
if [ -z \"$p\" ] || ! alive \"$p\"; then echo 'etcd is not running (no live pid in {PIDFILE})' >&2; exit 1; fi
kill -{signal} \"$p\"",
        h = helpers()
    )
}

/// Prints `paused` when etcd runs and is stopped (SIGSTOP: state `T` in
/// `/proc/PID/status`), `running` otherwise.
pub fn paused() -> String {
    format!(
        "{h}p=$(cat {PIDFILE} 2>/dev/null)
if [ -n \"$p\" ] && alive \"$p\" && grep -q '^State:[[:space:]]*T' /proc/$p/status 2>/dev/null; then echo paused; else echo running; fi",
        h = helpers()
    )
}

/// SIGCONT to etcd if it runs. A node whose etcd is not running has nothing
/// paused, so resuming it succeeds: healing must not fail on a node that was
/// both paused and killed (teardown resumes before it starts).
pub fn resume() -> String {
    format!(
        "{h}p=$(cat {PIDFILE} 2>/dev/null)
if [ -z \"$p\" ] || ! alive \"$p\"; then echo 'etcd is not running: nothing to resume'; exit 0; fi
kill -CONT \"$p\"",
        h = helpers()
    )
}

/// Kills etcd and removes its data, pidfile and log.
pub fn wipe() -> String {
    format!("{}\nrm -rf {DATA_DIR} {PIDFILE} {LOG_FILE}", kill())
}

/// The last lines of the log, for error messages.
pub fn log_tail() -> String {
    format!("tail -n 15 {LOG_FILE} 2>/dev/null")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> AddrBook {
        let ports = rjepsen_core::addr::Ports {
            client: 2379,
            peer: 2380,
        };
        AddrBook::direct(
            &[
                ("n1".into(), "10.0.0.1".parse().unwrap()),
                ("n2".into(), "10.0.0.2".parse().unwrap()),
            ],
            ports,
        )
    }

    /// The default book gives the command line etcd always had.
    #[test]
    fn args_name_the_whole_cluster() {
        let book = book();
        let a = etcd_args("/usr/bin/etcd", book.get("n1").unwrap(), &book);
        assert!(a.starts_with("'/usr/bin/etcd' --name 'n1'"), "{a}");
        assert!(a.contains("--initial-cluster 'n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380'"));
        assert!(a.contains("--listen-client-urls http://10.0.0.1:2379,http://127.0.0.1:2379"));
        assert!(
            a.contains("--advertise-client-urls http://10.0.0.1:2379 "),
            "{a}"
        );
        assert!(a.contains("--data-dir /var/lib/rjepsen/etcd-data"));
    }

    /// Behind proxies, etcd listens on its own addresses and advertises the
    /// proxies', to clients, to peers and in the initial cluster.
    #[test]
    fn behind_proxies_etcd_advertises_the_proxies() {
        let hub = |port: u16| std::net::SocketAddr::from(([10, 60, 0, 1], port));
        let dial = [
            ("n1".to_string(), (hub(40001), hub(40002))),
            ("n2".to_string(), (hub(40003), hub(40004))),
        ]
        .into_iter()
        .collect();
        let book = book().proxied(&dial);
        let a = etcd_args("etcd", book.get("n2").unwrap(), &book);
        assert!(
            a.contains("--listen-peer-urls http://10.0.0.2:2380 "),
            "{a}"
        );
        assert!(
            a.contains("--initial-advertise-peer-urls http://10.60.0.1:40004 "),
            "{a}"
        );
        assert!(
            a.contains("--listen-client-urls http://10.0.0.2:2379,"),
            "{a}"
        );
        assert!(
            a.contains("--advertise-client-urls http://10.60.0.1:40003 "),
            "{a}"
        );
        assert!(
            a.contains("'n1=http://10.60.0.1:40002,n2=http://10.60.0.1:40004'"),
            "{a}"
        );
    }

    /// `alive` on this test process, a pid that cannot exist, and a zombie.
    #[test]
    fn alive_tells_live_from_dead() {
        let mut zombie = std::process::Command::new("true").spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let script = format!(
            "{}alive {} && echo me; alive 999999999 && echo ghost; alive {} && echo zombie; true",
            helpers(),
            std::process::id(),
            zombie.id()
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        zombie.wait().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "me\n");
    }
}

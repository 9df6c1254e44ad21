//! The shell scripts the Redis `Db` runs on a node (POSIX `sh`, as root).
//!
//! Kept apart from the async code so every script is read in one place. The
//! binaries are Debian's `redis-server` and `redis-sentinel`; the configs,
//! data, pid files and logs are rjepsen's own (under [`DIR`]), so a
//! distribution instance on the node is never touched. Processes are found by
//! their pid files, never by name. Configs are written once per setup and kept
//! across kills: Sentinel rewrites both (who replicates whom) as it fails
//! over, and a restarted server must come back with what Sentinel last wrote.

use super::options::RedisOptions;
use rjepsen_core::addr::NodeAddrs;

pub const DIR: &str = "/var/lib/rjepsen/redis";
pub const LOG_FILE: &str = "/var/log/rjepsen/redis.log";
pub const SENTINEL_LOG_FILE: &str = "/var/log/rjepsen/sentinel.log";
/// The port every node's Sentinel listens on, on the node's client IP.
pub const SENTINEL_PORT: u16 = 26379;
/// The name Sentinel monitors the primary under.
pub const MASTER_NAME: &str = "rj";

/// `alive FILE`: the pid in FILE if that process lives (and is no zombie).
const HELPERS: &str = r#"cd / || exit 1
alive() { p=$(cat "$1" 2>/dev/null); [ -n "$p" ] && [ -d "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status 2>/dev/null && echo "$p"; }
"#;

/// Installs Debian's `redis-server` and `redis-sentinel` if missing.
pub fn install() -> String {
    "command -v redis-server >/dev/null && command -v redis-sentinel >/dev/null || { \
     export DEBIAN_FRONTEND=noninteractive; \
     apt-get install -y -o DPkg::Lock::Timeout=120 redis-server redis-sentinel >/dev/null \
     || { apt-get update -o DPkg::Lock::Timeout=120 >/dev/null && \
     apt-get install -y -o DPkg::Lock::Timeout=120 redis-server redis-sentinel >/dev/null; }; }"
        .to_string()
}

/// `redis.conf` of node `me`; a replica of `primary` unless it is `me`.
/// `repl-diskless-sync-delay 0`: a replica's first sync starts at once instead
/// of after Redis's default 5 s. No RDB snapshots: the AOF is the only
/// persistence, so `--appendfsync` alone decides what a kill loses.
pub fn redis_conf(me: &NodeAddrs, primary: &NodeAddrs, o: &RedisOptions) -> String {
    let mut conf = format!(
        "bind {ip}\nport {port}\nprotected-mode no\ndaemonize yes\n\
         pidfile {DIR}/redis.pid\nlogfile {LOG_FILE}\ndir {DIR}\n\
         appendonly yes\nappendfsync {fsync}\nsave \"\"\nrepl-diskless-sync-delay 0\n",
        ip = me.listen_client.ip(),
        port = me.listen_client.port(),
        fsync = o.appendfsync.conf(),
    );
    if me.node != primary.node {
        let p = primary.peer;
        conf.push_str(&format!("replicaof {} {}\n", p.ip(), p.port()));
    }
    conf
}

/// `sentinel.conf` of node `me`: monitors `primary`, agreeing by `quorum`;
/// a primary unanswered for 2 s is down.
pub fn sentinel_conf(me: &NodeAddrs, primary: &NodeAddrs, quorum: usize) -> String {
    let p = primary.peer;
    format!(
        "bind {ip}\nport {SENTINEL_PORT}\nprotected-mode no\ndaemonize yes\n\
         pidfile {DIR}/sentinel.pid\nlogfile {SENTINEL_LOG_FILE}\ndir {DIR}\n\
         sentinel monitor {MASTER_NAME} {pip} {pport} {quorum}\n\
         sentinel down-after-milliseconds {MASTER_NAME} 2000\n\
         sentinel failover-timeout {MASTER_NAME} 10000\n\
         sentinel parallel-syncs {MASTER_NAME} 4\n",
        ip = me.listen_client.ip(),
        pip = p.ip(),
        pport = p.port(),
    )
}

/// Writes the configs (unless present: a restart keeps Sentinel's rewrites).
pub fn configure(redis: &str, sentinel: Option<&str>) -> String {
    let mut s = format!(
        "mkdir -p {DIR} /var/log/rjepsen && touch {LOG_FILE} {SENTINEL_LOG_FILE} || exit 1\n\
         [ -s {DIR}/redis.conf ] || printf '%s' '{redis}' > {DIR}/redis.conf || exit 1\n"
    );
    if let Some(conf) = sentinel {
        s.push_str(&format!(
            "[ -s {DIR}/sentinel.conf ] || printf '%s' '{conf}' > {DIR}/sentinel.conf || exit 1\n"
        ));
    }
    s
}

/// Starts `what` (`redis` or `sentinel`) unless it runs; waits up to 30 s
/// until it answers PING at `me`'s address.
fn start_one(me: &NodeAddrs, what: &str, bin: &str, port: u16, log: &str) -> String {
    let ip = me.listen_client.ip();
    format!(
        "{HELPERS}[ -n \"$(alive {DIR}/{what}.pid)\" ] && {{ echo running; exit 0; }}
echo \"--- $(date -u +%FT%TZ) starting {what}\" >> {log}
{bin} {DIR}/{what}.conf || {{ echo '{what} did not start; log tail:' >&2; tail -n 20 {log} >&2; exit 1; }}
i=0; until [ \"$(redis-cli -h {ip} -p {port} ping 2>/dev/null)\" = PONG ]; do i=$((i+1)); [ $i -gt 300 ] && {{ echo '{what} at {ip}:{port} never answered PING; log tail:' >&2; tail -n 20 {log} >&2; exit 1; }}; sleep 0.1; done
echo started"
    )
}

/// Starts the server.
pub fn start(me: &NodeAddrs) -> String {
    start_one(
        me,
        "redis",
        "redis-server",
        me.listen_client.port(),
        LOG_FILE,
    )
}

/// Starts the Sentinel.
pub fn start_sentinel(me: &NodeAddrs) -> String {
    start_one(
        me,
        "sentinel",
        "redis-sentinel",
        SENTINEL_PORT,
        SENTINEL_LOG_FILE,
    )
}

/// Waits up to 60 s until `me`'s Sentinel knows the other `peers` Sentinels
/// and `peers` replicas. A Sentinel learns of replicas from the primary's
/// INFO (every 10 s) and of Sentinels from their hello messages (every 2 s);
/// one that knows no replica when the primary dies can never promote one, so
/// a test whose first fault comes early would see no failover at all.
pub fn await_sentinel(me: &NodeAddrs, peers: usize) -> String {
    let ip = me.listen_client.ip();
    format!(
        "i=0; until [ \"$(redis-cli -h {ip} -p {SENTINEL_PORT} sentinel master {MASTER_NAME} 2>/dev/null | \
awk -v want={peers} 'p==\"num-slaves\"{{s=$0}} p==\"num-other-sentinels\"{{o=$0}} {{p=$0}} END{{print (s>=want && o>=want) ? \"ready\" : \"no\"}}')\" = ready ]; do \
i=$((i+1)); [ $i -gt 300 ] && {{ echo 'sentinel at {ip}:{SENTINEL_PORT} never saw {peers} replicas and {peers} other sentinels:' >&2; \
redis-cli -h {ip} -p {SENTINEL_PORT} sentinel master {MASTER_NAME} >&2; exit 1; }}; sleep 0.2; done"
    )
}

/// SIGKILLs the processes of `pidfiles` (resumed first, so a paused one dies
/// too); waits up to 10 s until each is gone.
fn kill_pids(pidfiles: &[&str]) -> String {
    let mut s = HELPERS.to_string();
    for f in pidfiles {
        s.push_str(&format!(
            "p=$(alive {DIR}/{f}); if [ -n \"$p\" ]; then kill -CONT $p; kill -9 $p; i=0; \
             while [ -n \"$(alive {DIR}/{f})\" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; fi\n"
        ));
    }
    s.push_str("true");
    s
}

/// SIGKILLs the server (its Sentinel stays, as a real node's would).
pub fn kill() -> String {
    kill_pids(&["redis.pid"])
}

/// Sends `signal` (STOP or CONT) to the server.
pub fn signal(signal: &str) -> String {
    format!(
        "{HELPERS}p=$(alive {DIR}/redis.pid)
if [ -z \"$p\" ]; then [ {signal} = CONT ] && exit 0; echo 'redis is not running' >&2; exit 1; fi
kill -{signal} $p"
    )
}

/// Prints `paused` when the server runs and is stopped (SIGSTOP).
pub fn paused() -> String {
    format!(
        "{HELPERS}p=$(alive {DIR}/redis.pid)
[ -n \"$p\" ] && grep -q '^State:[[:space:]]*T' /proc/$p/status && echo paused; true"
    )
}

/// Kills server and Sentinel and removes their data, configs and logs.
pub fn wipe() -> String {
    format!(
        "{}\nrm -rf {DIR} {LOG_FILE} {SENTINEL_LOG_FILE}",
        kill_pids(&["redis.pid", "sentinel.pid"])
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Appendfsync;

    #[test]
    fn replicas_follow_the_primary_and_sentinels_watch_it() {
        let me = NodeAddrs::at("n2", "10.72.0.12:6379".parse().unwrap(), 6379);
        let primary = NodeAddrs::at("n1", "10.72.0.11:6379".parse().unwrap(), 6379);
        let o = RedisOptions {
            appendfsync: Appendfsync::Always,
            ..Default::default()
        };
        let r = redis_conf(&me, &primary, &o);
        assert!(r.contains("replicaof 10.72.0.11 6379"), "{r}");
        assert!(r.contains("bind 10.72.0.12\n"), "{r}");
        assert!(r.contains("appendfsync always\n"), "{r}");
        assert!(r.contains("repl-diskless-sync-delay 0\n"), "{r}");
        assert!(!redis_conf(&primary, &primary, &o).contains("replicaof"));
        let s = sentinel_conf(&me, &primary, 2);
        assert!(s.contains("sentinel monitor rj 10.72.0.11 6379 2\n"), "{s}");
        // Configs go inside single quotes: none may hold one.
        assert!(!r.contains('\'') && !s.contains('\''));
    }
}

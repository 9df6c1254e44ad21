//! The shell scripts the PostgreSQL `Db` runs on a node (POSIX `sh`, as root;
//! the server itself runs as the `postgres` user through `runuser`).
//!
//! Kept apart from the async code so every script is read in one place. The
//! binaries are Debian's (`/usr/lib/postgresql/<version>/bin`, the newest
//! installed); the data directory, socket directory and log are rjepsen's own,
//! so a distribution cluster on the node is never touched. Processes are found
//! by `postmaster.pid` and its children by their parent pid, never by name.

use rjepsen_core::addr::NodeAddrs;

pub const DATA_DIR: &str = "/var/lib/rjepsen/pg-data";
pub const SOCKET_DIR: &str = "/var/lib/rjepsen/pg-run";
pub const LOG_FILE: &str = "/var/log/rjepsen/postgres.log";

/// `B`: the binaries; `pm`: the postmaster's pid (empty when not running);
/// `tree`: the postmaster and its children.
const HELPERS: &str = r#"cd / || exit 1
B=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pm() { p=$(head -n 1 __DATA__/postmaster.pid 2>/dev/null); [ -n "$p" ] && [ -d "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status 2>/dev/null && echo "$p"; }
tree() { p=$(pm); [ -z "$p" ] && return; echo "$p"; for d in /proc/[0-9]*; do [ "$(awk '{print $4}' $d/stat 2>/dev/null)" = "$p" ] && echo "${d#/proc/}"; done; }
pg() { runuser -u postgres -- "$@"; }
"#;

fn helpers() -> String {
    HELPERS.replace("__DATA__", DATA_DIR)
}

/// Installs Debian's `postgresql` if no server binaries are present.
pub fn install() -> String {
    "ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
     apt-get install -y -o DPkg::Lock::Timeout=120 postgresql >/dev/null \
     || { apt-get update -o DPkg::Lock::Timeout=120 >/dev/null && \
     apt-get install -y -o DPkg::Lock::Timeout=120 postgresql >/dev/null; }; }"
        .to_string()
}

/// Settings appended to `postgresql.conf` of node `me` (appended last, so they
/// override what a base backup copied from the primary). `wal_keep_size`
/// (MB) keeps the WAL a base backup or a restarted replica still needs: without
/// it a fresh primary recycled a segment under a concurrent `pg_basebackup`.
fn settings(me: &NodeAddrs, sync: bool) -> String {
    format!(
        "listen_addresses = '{ip}'\nport = {port}\nunix_socket_directories = '{SOCKET_DIR}'\n\
         wal_level = replica\nmax_wal_senders = 16\nwal_keep_size = 512\nhot_standby = on\n\
         synchronous_standby_names = '{names}'\nsynchronous_commit = on\n",
        ip = me.listen_client.ip(),
        port = me.listen_client.port(),
        names = if sync { "*" } else { "" },
    )
}

fn prepare() -> String {
    format!(
        "mkdir -p /var/lib/rjepsen /var/log/rjepsen {SOCKET_DIR} && touch {LOG_FILE} && \
         chown postgres {SOCKET_DIR} {LOG_FILE} || exit 1\n"
    )
}

/// A fresh primary (initdb, trusting every address: a test cluster), unless
/// the data directory exists.
pub fn init_primary(me: &NodeAddrs, sync: bool) -> String {
    format!(
        "{h}{prep}if [ ! -s {DATA_DIR}/PG_VERSION ]; then
rm -rf {DATA_DIR} && mkdir -p {DATA_DIR} && chown postgres {DATA_DIR} && chmod 700 {DATA_DIR}
pg $B/initdb -D {DATA_DIR} -A trust -U postgres >> {LOG_FILE} 2>&1 || {{ tail -n 20 {LOG_FILE} >&2; exit 1; }}
printf 'host all all 0.0.0.0/0 trust\\nhost replication all 0.0.0.0/0 trust\\n' >> {DATA_DIR}/pg_hba.conf
printf \"%s\" \"{conf}\" >> {DATA_DIR}/postgresql.conf
fi",
        h = helpers(),
        prep = prepare(),
        conf = settings(me, sync),
    )
}

/// A replica of the primary at `primary` (its peer address): waits up to 60 s
/// for the primary, then `pg_basebackup -R` (standby.signal and the primary's
/// connection), unless the data directory exists.
pub fn init_replica(me: &NodeAddrs, primary: &NodeAddrs, sync: bool) -> String {
    let (host, port) = (primary.peer.ip(), primary.peer.port());
    format!(
        "{h}{prep}if [ ! -s {DATA_DIR}/PG_VERSION ]; then
i=0; until $B/pg_isready -q -h {host} -p {port}; do i=$((i+1)); [ $i -gt 300 ] && {{ echo 'primary {host}:{port} never answered' >&2; exit 1; }}; sleep 0.2; done
rm -rf {DATA_DIR} && mkdir -p {DATA_DIR} && chown postgres {DATA_DIR} && chmod 700 {DATA_DIR}
pg $B/pg_basebackup -h {host} -p {port} -U postgres -D {DATA_DIR} -R -X stream >> {LOG_FILE} 2>&1 || {{ tail -n 20 {LOG_FILE} >&2; exit 1; }}
printf \"%s\" \"{conf}\" >> {DATA_DIR}/postgresql.conf
fi",
        h = helpers(),
        prep = prepare(),
        conf = settings(me, sync),
    )
}

/// Starts the server unless it runs; waits until it accepts connections.
pub fn start() -> String {
    format!(
        "{h}[ -n \"$(pm)\" ] && {{ echo running; exit 0; }}
echo \"--- $(date -u +%FT%TZ) starting postgres\" >> {LOG_FILE}
pg $B/pg_ctl -D {DATA_DIR} -l {LOG_FILE} -w -t 60 start >/dev/null || {{ echo 'postgres did not start; log tail:' >&2; tail -n 20 {LOG_FILE} >&2; exit 1; }}
echo started",
        h = helpers()
    )
}

/// SIGKILLs the postmaster and its children; waits up to 10 s until gone.
pub fn kill() -> String {
    format!(
        "{h}pids=$(tree)
for p in $pids; do kill -CONT \"$p\" 2>/dev/null; kill -9 \"$p\" 2>/dev/null; done
for p in $pids; do i=0; while [ -d /proc/$p ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; done
true",
        h = helpers()
    )
}

/// Sends `signal` (STOP or CONT) to the postmaster and its children.
pub fn signal(signal: &str) -> String {
    format!(
        "{h}pids=$(tree)
if [ -z \"$pids\" ]; then [ {signal} = CONT ] && exit 0; echo 'postgres is not running' >&2; exit 1; fi
for p in $pids; do kill -{signal} \"$p\"; done",
        h = helpers()
    )
}

/// Kills the server and removes its data and log.
pub fn wipe() -> String {
    format!("{}\nrm -rf {DATA_DIR} {SOCKET_DIR} {LOG_FILE}", kill())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_listen_on_their_own_address_and_follow_the_primary() {
        let me = NodeAddrs::at("n2", "10.70.0.12:5432".parse().unwrap(), 5432);
        let primary = NodeAddrs::at("n1", "10.70.0.11:5432".parse().unwrap(), 5432);
        let s = init_replica(&me, &primary, true);
        assert!(s.contains("pg_basebackup -h 10.70.0.11 -p 5432"), "{s}");
        assert!(s.contains("listen_addresses = '10.70.0.12'"), "{s}");
        assert!(s.contains("synchronous_standby_names = '*'"), "{s}");
        let p = init_primary(&primary, false);
        assert!(p.contains("synchronous_standby_names = ''"), "{p}");
    }
}

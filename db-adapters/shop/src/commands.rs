//! The shell scripts the shop's `Db` runs on a node (POSIX `sh`, as root;
//! PostgreSQL runs as `postgres` through `runuser`).
//!
//! Kept apart from the async code so every script is read in one place.
//! PostgreSQL is Debian's, in a data directory of the shop's own (so neither a
//! distribution cluster nor `--db postgres`'s is touched). The services are
//! the Python package of `targets/shop/shop`, compiled into rjepsen and written
//! to the node at set-up, run by the venv `scripts/setup.sh` makes. Every
//! process is found by its pid file, never by name.

use crate::layout::{Role, DATABASES};
use rjepsen_core::control::shell_quote;
use std::net::SocketAddr;

pub const PG_DATA: &str = "/var/lib/rjepsen/shop-pg";
pub const PG_SOCKETS: &str = "/var/lib/rjepsen/shop-pg-run";
pub const APP_DIR: &str = "/var/lib/rjepsen/shop";
pub const LOG_DIR: &str = "/var/log/rjepsen";
/// The venv `scripts/setup.sh` installs `targets/shop/requirements.txt` into.
pub const VENV: &str = "/usr/local/lib/rjepsen/shop-venv";

/// The service package, as the repository has it (file name, text).
pub const SOURCES: [(&str, &str); 7] = [
    (
        "__init__.py",
        include_str!("../../../targets/shop/shop/__init__.py"),
    ),
    (
        "__main__.py",
        include_str!("../../../targets/shop/shop/__main__.py"),
    ),
    (
        "common.py",
        include_str!("../../../targets/shop/shop/common.py"),
    ),
    (
        "consign.py",
        include_str!("../../../targets/shop/shop/consign.py"),
    ),
    (
        "inventory.py",
        include_str!("../../../targets/shop/shop/inventory.py"),
    ),
    (
        "orders.py",
        include_str!("../../../targets/shop/shop/orders.py"),
    ),
    (
        "payments.py",
        include_str!("../../../targets/shop/shop/payments.py"),
    ),
];

/// The log file of `role` on its node.
pub fn log_file(role: Role) -> String {
    format!("{LOG_DIR}/shop-{}.log", role.name())
}

fn pid_file(role: Role) -> String {
    format!("{APP_DIR}/{}.pid", role.name())
}

/// `B`: PostgreSQL's binaries (the newest installed); `pm`: the postmaster's
/// pid, empty when it is not running.
pub(crate) fn pg_helpers() -> String {
    format!(
        "cd / || exit 1
B=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pm() {{ p=$(head -n 1 {PG_DATA}/postmaster.pid 2>/dev/null); [ -n \"$p\" ] && [ -d \"/proc/$p\" ] && echo \"$p\"; }}
"
    )
}

/// Installs Debian's `postgresql` if no server binaries are present.
pub fn install_postgres() -> String {
    "ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
     apt-get install -y -o DPkg::Lock::Timeout=120 postgresql >/dev/null \
     || { apt-get update -o DPkg::Lock::Timeout=120 >/dev/null && \
     apt-get install -y -o DPkg::Lock::Timeout=120 postgresql >/dev/null; }; }"
        .to_string()
}

/// Initialises (unless present) and starts PostgreSQL listening on `at`, and
/// creates the services' databases.
pub fn start_postgres(at: SocketAddr) -> String {
    let log = log_file(Role::Postgres);
    let (ip, port) = (at.ip(), at.port());
    let dbs = DATABASES
        .iter()
        .map(|d| format!("runuser -u postgres -- $B/createdb -h {PG_SOCKETS} -p {port} -U postgres {d} 2>/dev/null || true\n"))
        .collect::<String>();
    format!(
        "{h}mkdir -p {LOG_DIR} {PG_SOCKETS} && touch {log} && chown postgres {PG_SOCKETS} {log} || exit 1
if [ ! -s {PG_DATA}/PG_VERSION ]; then
rm -rf {PG_DATA} && mkdir -p {PG_DATA} && chown postgres {PG_DATA} && chmod 700 {PG_DATA}
runuser -u postgres -- $B/initdb -D {PG_DATA} -A trust -U postgres >> {log} 2>&1 || {{ tail -n 20 {log} >&2; exit 1; }}
printf 'host all all 0.0.0.0/0 trust\\n' >> {PG_DATA}/pg_hba.conf
printf \"listen_addresses = '{ip}'\\nport = {port}\\nunix_socket_directories = '{PG_SOCKETS}'\\nmax_connections = 200\\n\" >> {PG_DATA}/postgresql.conf
fi
if [ -z \"$(pm)\" ]; then
runuser -u postgres -- $B/pg_ctl -D {PG_DATA} -l {log} -w -t 60 start >/dev/null || {{ echo 'postgres did not start; log tail:' >&2; tail -n 20 {log} >&2; exit 1; }}
fi
{dbs}",
        h = pg_helpers(),
    )
}

/// Fails, saying what to do, unless the node has the shop's venv.
pub fn check_venv() -> String {
    format!(
        "[ -x {VENV}/bin/python ] || {{ echo 'no venv at {VENV}: run scripts/setup.sh (it installs targets/shop/requirements.txt)' >&2; exit 1; }}"
    )
}

/// Writes the service package into `APP_DIR/shop/` (each file by a quoted
/// here-document, so nothing in it is expanded).
pub fn install_app() -> String {
    let mut s = format!("mkdir -p {APP_DIR}/shop {LOG_DIR} || exit 1\n");
    for (name, text) in SOURCES {
        s.push_str(&format!(
            "cat > {APP_DIR}/shop/{name} <<'RJEPSEN_SHOP_EOF'\n{text}\nRJEPSEN_SHOP_EOF\n"
        ));
    }
    s
}

/// Starts `role` listening on `at` with `env` (unless its pid runs), waits
/// for its database (when it has one) before and for its port after; on
/// failure prints its log's tail.
pub fn start_service(role: Role, at: SocketAddr, env: &[(String, String)]) -> String {
    let (name, log, pid) = (role.name(), log_file(role), pid_file(role));
    let vars: String = env
        .iter()
        .map(|(k, v)| format!("{k}={} ", shell_quote(v)))
        .collect();
    let wait_db = match role.database() {
        Some(_) => "import psycopg2\nwhile True:\n    try:\n        psycopg2.connect(os.environ['SHOP_DB']).close(); break\n    except Exception as e:\n        err = e\n    if time.time() > end: sys.exit(f'database never answered: {err}')\n    time.sleep(0.2)\n",
        None => "",
    };
    let (ip, port) = (at.ip(), at.port());
    format!(
        "cd {APP_DIR} || exit 1
p=$(cat {pid} 2>/dev/null); [ -n \"$p\" ] && [ -d /proc/$p ] && {{ echo running; exit 0; }}
export {vars}PYTHONPATH={APP_DIR}
{VENV}/bin/python - <<'RJEPSEN_WAIT' || exit 1
import os, sys, time
end = time.time() + 60
{wait_db}
RJEPSEN_WAIT
echo \"--- $(date -u +%FT%TZ) starting {name}\" >> {log}
setsid nohup {VENV}/bin/python -m shop {name} --host {ip} --port {port} >> {log} 2>&1 < /dev/null &
echo $! > {pid}
{VENV}/bin/python - <<'RJEPSEN_WAIT' || {{ echo '{name} did not start; log tail:' >&2; tail -n 20 {log} >&2; exit 1; }}
import os, socket, sys, time
end = time.time() + 60
pid = int(open('{pid}').read())
while True:
    try:
        socket.create_connection(('{ip}', {port}), 1).close(); break
    except OSError:
        pass
    if not os.path.exists(f'/proc/{{pid}}') or time.time() > end: sys.exit(1)
    time.sleep(0.1)
RJEPSEN_WAIT
echo started"
    )
}

/// Stops `role`'s process (SIGTERM, then SIGKILL after 5 s).
pub fn stop_service(role: Role) -> String {
    let pid = pid_file(role);
    format!(
        "p=$(cat {pid} 2>/dev/null)
if [ -n \"$p\" ] && [ -d /proc/$p ]; then kill -TERM $p; i=0; while [ -d /proc/$p ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -9 $p 2>/dev/null; fi
rm -f {pid}; true"
    )
}

/// Stops PostgreSQL (immediate shutdown) if it runs.
pub fn stop_postgres() -> String {
    format!(
        "{h}[ -n \"$(pm)\" ] && runuser -u postgres -- $B/pg_ctl -D {PG_DATA} -m immediate -w -t 30 stop >/dev/null; true",
        h = pg_helpers()
    )
}

/// Stops everything of the shop on a node and removes its data, code and logs.
pub fn wipe() -> String {
    let roles = [Role::Orders, Role::Consign, Role::Inventory, Role::Payments];
    let mut s: String = roles.iter().map(|r| stop_service(*r) + "\n").collect();
    s.push_str(&stop_postgres());
    let logs: Vec<String> = [Role::Postgres]
        .iter()
        .chain(roles.iter())
        .map(|r| log_file(*r))
        .collect();
    s.push_str(&format!(
        "\nrm -rf {PG_DATA} {PG_SOCKETS} {APP_DIR} {}",
        logs.join(" ")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_gets_its_env_quoted_and_listens_where_told() {
        let env = vec![(
            "SHOP_DB".to_string(),
            "host=10.71.0.11 port=8081 dbname=orders".to_string(),
        )];
        let s = start_service(Role::Orders, "10.71.0.12:8080".parse().unwrap(), &env);
        assert!(
            s.contains("SHOP_DB='host=10.71.0.11 port=8081 dbname=orders'"),
            "{s}"
        );
        assert!(
            s.contains("-m shop orders --host 10.71.0.12 --port 8080"),
            "{s}"
        );
        assert!(s.contains("psycopg2.connect"), "{s}");
        let c = start_service(Role::Consign, "10.71.0.13:8080".parse().unwrap(), &[]);
        assert!(
            !c.contains("psycopg2.connect"),
            "consign has no database: {c}"
        );
        // The package is written whole, by quoted here-documents.
        let app = install_app();
        assert!(
            app.contains("<<'RJEPSEN_SHOP_EOF'") && app.contains("SERVICES = ["),
            "{app}"
        );
    }
}

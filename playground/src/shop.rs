//! The shop (`targets/shop/`) as a playground: PostgreSQL and the four services
//! on loopback, each behind the playground's proxies, traces to a receiver the
//! daemon owns.
//!
//! The parts sit on three playground nodes exactly as `rjepsen-db-shop`'s
//! [`Layout`] places them on test nodes (n1 PostgreSQL; n2 inventory and
//! orders; n3 payments and consign; fronts on client ports, the rest on peer
//! ports), and every address a service dials is that layout's `dial` over the
//! playground's book: a proxy's. So `rjepsen test --playground --db shop`
//! reads the same layout from `state.json` and finds the fronts, and every hop
//! (client → front, front → back, service → database) crosses a proxy.
//! PostgreSQL is Debian's, started as the `postgres` user (as the shop's `Db`
//! does on nodes) on a data directory under the node's own.

use crate::state::NodeInfo;
use crate::PlaygroundError;
use rjepsen_core::addr::AddrBook;
use rjepsen_db_shop::layout::{Layout, Role, DATABASES};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `--db` value and how many nodes the shop takes.
pub const NAME: &str = "shop";
pub const NODES: usize = rjepsen_db_shop::layout::MIN_NODES;

/// How soon a service's span processor exports (ms; the SDK's default is 5000).
const EXPORT_DELAY_MS: &str = "200";

/// What the daemon needs to start the shop's parts.
#[derive(Debug, Clone)]
pub struct ShopLaunch {
    /// PostgreSQL's binaries (the newest of `/usr/lib/postgresql/*/bin`).
    pub pg_bin: PathBuf,
    /// The venv's python (`rjepsen_db_shop::VENV`).
    pub python: PathBuf,
    /// Where the service package was written (`DIR/app`, holding `shop/`).
    pub app: PathBuf,
    pub fixed: bool,
    /// The OTLP exporter's variables (the daemon's receiver).
    pub otlp: Vec<(String, String)>,
    pub postgres_uid: u32,
    pub postgres_gid: u32,
}

fn bad(msg: String) -> PlaygroundError {
    PlaygroundError::BadConfig(msg)
}

/// Finds PostgreSQL, the venv and the `postgres` user, and writes the package.
pub fn prepare(dir: &Path, fixed: bool) -> Result<ShopLaunch, PlaygroundError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(bad(
            "--db shop needs root: PostgreSQL is started as the `postgres` user".into(),
        ));
    }
    let pg_bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("postgres").is_file())
        .max_by_key(|b| version(b))
        .ok_or_else(|| {
            bad("no PostgreSQL in /usr/lib/postgresql/*/bin: apt-get install postgresql".into())
        })?;
    let python = Path::new(rjepsen_db_shop::VENV).join("bin/python");
    if !python.is_file() {
        return Err(bad(format!(
            "no venv at {}: run scripts/setup.sh (it installs targets/shop/requirements.txt)",
            rjepsen_db_shop::VENV
        )));
    }
    let (postgres_uid, postgres_gid) = user("postgres")
        .ok_or_else(|| bad("no `postgres` user (apt-get install postgresql makes it)".into()))?;
    let app = dir.join("app");
    let pkg = app.join("shop");
    std::fs::create_dir_all(&pkg).map_err(PlaygroundError::io("create DIR/app/shop"))?;
    for (name, text) in rjepsen_db_shop::SOURCES {
        std::fs::write(pkg.join(name), text)
            .map_err(PlaygroundError::io("write the shop's code"))?;
    }
    Ok(ShopLaunch {
        pg_bin,
        python,
        app,
        fixed,
        otlp: Vec::new(),
        postgres_uid,
        postgres_gid,
    })
}

/// The major version of `/usr/lib/postgresql/N/bin`.
fn version(bin: &Path) -> u32 {
    let n = bin
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    n.and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// uid and gid of `name`, from the password database.
fn user(name: &str) -> Option<(u32, u32)> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer to static storage or null; read at once.
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    // SAFETY: checked for null; the fields are plain integers.
    (!pw.is_null()).then(|| unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
}

/// The playground's nodes as an address book: proxies dialed, real ports listened on.
pub fn book(all: &[NodeInfo]) -> AddrBook {
    AddrBook::new(all.iter().map(NodeInfo::book_entry).collect())
}

fn layout(all: &[NodeInfo]) -> Layout {
    let names: Vec<String> = all.iter().map(|n| n.name.clone()).collect();
    Layout::of(&names).expect("the daemon starts the shop on three nodes")
}

/// Every part as a client dials it (its proxy), fronts first: (name, node, address).
pub fn parts(all: &[NodeInfo]) -> Vec<(&'static str, String, SocketAddr)> {
    let (l, b) = (layout(all), book(all));
    let order = [
        Role::Orders,
        Role::Consign,
        Role::Inventory,
        Role::Payments,
        Role::Postgres,
    ];
    order
        .into_iter()
        .filter_map(|r| Some((r.name(), l.node_of(r).to_string(), l.dial(&b, r).ok()?)))
        .collect()
}

/// The real addresses `me`'s parts listen on (what "answers" means for it).
pub fn listens(me: &NodeInfo, all: &[NodeInfo]) -> Vec<SocketAddr> {
    let (l, b) = (layout(all), book(all));
    l.on(&me.name)
        .into_iter()
        .filter_map(|r| l.listen(&b, r).ok())
        .collect()
}

impl ShopLaunch {
    /// One command per part on `me` (stdio and process setup are the caller's).
    pub fn commands(&self, me: &NodeInfo, all: &[NodeInfo]) -> Vec<tokio::process::Command> {
        let (l, b) = (layout(all), book(all));
        let at = |r: Role| l.listen(&b, r).expect("every node is in the book");
        let dial = |r: Role| l.dial(&b, r).expect("every node is in the book");
        let mut out = Vec::new();
        for role in l.on(&me.name) {
            if role == Role::Postgres {
                out.push(self.postgres(me, at(role)));
                continue;
            }
            let mut c = tokio::process::Command::new(&self.python);
            let a = at(role);
            c.args(["-m", "shop", role.name(), "--host"])
                .arg(a.ip().to_string())
                .arg("--port")
                .arg(a.port().to_string())
                .env("PYTHONPATH", &self.app)
                .env("SHOP_FIXED", if self.fixed { "1" } else { "0" })
                .env("OTEL_SERVICE_NAME", role.name())
                .env("OTEL_BSP_SCHEDULE_DELAY", EXPORT_DELAY_MS)
                .env(
                    "SHOP_INVENTORY_URL",
                    format!("http://{}", dial(Role::Inventory)),
                )
                .env(
                    "SHOP_PAYMENTS_URL",
                    format!("http://{}", dial(Role::Payments)),
                )
                .envs(self.otlp.iter().map(|(k, v)| (k, v)));
            if let Some(db) = role.database() {
                let pg = dial(Role::Postgres);
                let dsn = format!(
                    "host={} port={} user=postgres dbname={db} connect_timeout=5",
                    pg.ip(),
                    pg.port()
                );
                c.env("SHOP_DB", dsn);
            }
            out.push(c);
        }
        out
    }

    fn postgres(&self, me: &NodeInfo, at: SocketAddr) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(self.pg_bin.join("postgres"));
        c.arg("-D")
            .arg(&me.data_dir)
            .arg("-p")
            .arg(at.port().to_string())
            .arg("-k")
            .arg(sockets(me))
            .args(["-c", &format!("listen_addresses={}", at.ip())])
            .args(["-c", "max_connections=200"])
            .uid(self.postgres_uid)
            .gid(self.postgres_gid);
        c
    }

    /// Before the first start: `initdb` on a fresh data directory (as `postgres`).
    pub fn init(&self, me: &NodeInfo, all: &[NodeInfo]) -> Result<(), PlaygroundError> {
        if !layout(all).on(&me.name).contains(&Role::Postgres) {
            return Ok(());
        }
        let node_dir = me.data_dir.parent().unwrap_or(&me.data_dir).to_path_buf();
        for d in [node_dir.clone(), sockets(me)] {
            std::fs::create_dir_all(&d).map_err(PlaygroundError::io("create PostgreSQL's dirs"))?;
            chown(&d, self.postgres_uid, self.postgres_gid)?;
        }
        let out = std::process::Command::new(self.pg_bin.join("initdb"))
            .arg("-D")
            .arg(&me.data_dir)
            .args(["-A", "trust", "-U", "postgres"])
            .uid(self.postgres_uid)
            .gid(self.postgres_gid)
            .output()
            .map_err(PlaygroundError::io("run initdb"))?;
        if !out.status.success() {
            return Err(PlaygroundError::Node {
                op: "initdb",
                node: me.name.clone(),
                message: format!(
                    "{} (the playground's directory must be searchable by the postgres user): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            });
        }
        Ok(())
    }

    /// After `me`'s parts are spawned: waits for each to accept connections
    /// and, on PostgreSQL's node, creates the services' databases (once).
    pub async fn ready(&self, me: &NodeInfo, all: &[NodeInfo]) -> Result<(), PlaygroundError> {
        for a in listens(me, all) {
            if !accepts(a, Duration::from_secs(20)).await {
                return Err(PlaygroundError::Node {
                    op: "start",
                    node: me.name.clone(),
                    message: format!(
                        "nothing accepts on {a} after 20 s; see {}",
                        me.log.display()
                    ),
                });
            }
        }
        if !layout(all).on(&me.name).contains(&Role::Postgres) {
            return Ok(());
        }
        let at = listens(me, all)[0];
        for db in DATABASES {
            self.createdb(me, at, db).await?;
        }
        Ok(())
    }

    /// `createdb db`, retried while PostgreSQL is still starting up (it accepts
    /// connections before it serves them); one that exists (a restart) is fine.
    async fn createdb(
        &self,
        me: &NodeInfo,
        at: SocketAddr,
        db: &str,
    ) -> Result<(), PlaygroundError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let out = tokio::process::Command::new(self.pg_bin.join("createdb"))
                .args(["-h", &at.ip().to_string(), "-p", &at.port().to_string()])
                .args(["-U", "postgres", db])
                .uid(self.postgres_uid)
                .gid(self.postgres_gid)
                .output()
                .await
                .map_err(PlaygroundError::io("run createdb"))?;
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            if out.status.success() || err.contains("already exists") {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(PlaygroundError::Node {
                    op: "createdb",
                    node: me.name.clone(),
                    message: format!("{db}: {err}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn sockets(me: &NodeInfo) -> PathBuf {
    me.data_dir.parent().unwrap_or(&me.data_dir).join("run")
}

fn chown(path: &Path, uid: u32, gid: u32) -> Result<(), PlaygroundError> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .map_err(PlaygroundError::io("chown a PostgreSQL dir to postgres"))
}

/// Whether `addr` accepts a TCP connection within `within`.
pub async fn accepts(addr: SocketAddr, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        let c = tokio::net::TcpStream::connect(addr);
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(300), c).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

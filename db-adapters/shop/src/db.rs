//! The shop's `Db`: PostgreSQL on the first node, the four services on the
//! next two (`layout`), every address from the test's book, and an OTLP
//! receiver that the `Db` starts for the test on the control node.
//!
//! The receiver belongs to the `Db` rather than to the runner because only
//! the shop exports traces: it is started by the first `setup` (bound on the
//! control node's address toward the nodes, an ephemeral port), stores spans
//! in `traces/` of the run's directory as they arrive, and lives as long as
//! the `Db` (spans are written before they are acknowledged, so nothing that
//! arrived is lost when the run's runtime stops it).

use crate::commands as cmd;
use crate::faults::Processes;
use crate::layout::{Layout, Role};
use crate::options::ShopOptions;
use async_trait::async_trait;
use rjepsen_collector::{Protocol, Receiver, ReceiverConfig};
use rjepsen_core::addr::{control_address_toward, Ports};
use rjepsen_core::db::{Db, DbError, DbOptions, Kill, LogFiles, Pause};
use rjepsen_core::test::Test;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::Mutex;

/// The ports of the book: fronts on `client`, PostgreSQL and the back
/// services on `peer` (docs/shop.md).
pub const PORTS: Ports = Ports {
    client: 8080,
    peer: 8081,
};

/// How soon a service's batch span processor exports (ms; the SDK's default
/// is 5000): spans reach the run's directory while the run goes on, and a
/// service stopped at teardown has little left unsent.
const EXPORT_DELAY_MS: &str = "200";

/// The shop on the test's nodes.
#[derive(Default)]
pub struct Shop {
    receiver: Mutex<Option<Receiver>>,
    /// Kill and pause (`faults`).
    processes: Processes,
}

/// Where the run's spans are stored: `traces/` in the run's directory, next
/// to the history (`rjepsen traces analyze DIR` reads it).
pub fn traces_dir(test: &Test) -> PathBuf {
    test.store_dir.join("traces")
}

fn other(node: &str, action: &str, message: impl Into<String>) -> DbError {
    DbError::Other {
        node: node.to_string(),
        action: action.to_string(),
        message: message.into(),
    }
}

impl Shop {
    /// The exporter's environment, starting the receiver on first use.
    async fn otlp_env(&self, test: &Test, node: &str) -> Result<Vec<(String, String)>, DbError> {
        let mut slot = self.receiver.lock().await;
        if slot.is_none() {
            let fail = |e: String| other(node, "start the OTLP receiver", e);
            let toward = test.addrs.get(node).map_err(|e| fail(e.to_string()))?.ip();
            let ip = control_address_toward(toward).map_err(|e| fail(e.to_string()))?;
            let config = ReceiverConfig {
                out: traces_dir(test),
                grpc: None,
                http: Some(SocketAddr::new(ip, 0)),
            };
            let r = Receiver::start(&config)
                .await
                .map_err(|e| fail(e.to_string()))?;
            tracing::info!(
                "shop: OTLP receiver on {:?}, spans in {}",
                r.http_addr(),
                r.path().display()
            );
            *slot = Some(r);
        }
        let r = slot.as_ref().expect("started above");
        let mut env = r.env(Protocol::HttpProtobuf);
        env.push(("OTEL_BSP_SCHEDULE_DELAY".into(), EXPORT_DELAY_MS.into()));
        Ok(env)
    }

    /// The spans received so far (requests, spans), if the receiver runs.
    pub async fn received(&self) -> Option<(u64, u64)> {
        let slot = self.receiver.lock().await;
        slot.as_ref().map(|r| {
            let s = r.stats();
            (s.requests, s.spans)
        })
    }
}

/// What `role` is given: the fixed switch, its database and peers as the
/// book says others dial them, its name for the traces.
pub(crate) fn service_env(
    test: &Test,
    layout: &Layout,
    role: Role,
) -> Result<Vec<(String, String)>, DbError> {
    let dial = |r: Role| {
        layout
            .dial(&test.addrs, r)
            .map_err(|e| other(layout.node_of(role), "set up the shop", e.to_string()))
    };
    let fixed = if ShopOptions::of(test).shop_fixed {
        "1"
    } else {
        "0"
    };
    let mut env = vec![
        ("SHOP_FIXED".to_string(), fixed.to_string()),
        ("OTEL_SERVICE_NAME".to_string(), role.name().to_string()),
        (
            "SHOP_INVENTORY_URL".to_string(),
            format!("http://{}", dial(Role::Inventory)?),
        ),
        (
            "SHOP_PAYMENTS_URL".to_string(),
            format!("http://{}", dial(Role::Payments)?),
        ),
    ];
    if let Some(db) = role.database() {
        let pg = dial(Role::Postgres)?;
        env.push((
            "SHOP_DB".to_string(),
            format!(
                "host={} port={} user=postgres dbname={db} connect_timeout=5",
                pg.ip(),
                pg.port()
            ),
        ));
    }
    Ok(env)
}

#[async_trait]
impl Db for Shop {
    async fn setup(&self, test: &Test, node: &str) -> Result<(), DbError> {
        let layout = Layout::of_test(test).map_err(|e| other(node, "set up the shop", e))?;
        let roles = layout.on(node);
        for role in &roles {
            let at = layout
                .listen(&test.addrs, *role)
                .map_err(|e| other(node, "set up the shop", e.to_string()))?;
            if *role == Role::Postgres {
                test.remote.exec(node, &cmd::install_postgres()).await?;
                test.remote.exec(node, &cmd::start_postgres(at)).await?;
                continue;
            }
            let mut env = service_env(test, &layout, *role)?;
            let otlp = self.otlp_env(test, node).await?;
            self.processes.remember_otlp(&otlp);
            env.extend(otlp);
            test.remote.exec(node, &cmd::check_venv()).await?;
            test.remote.exec(node, &cmd::install_app()).await?;
            test.remote
                .exec(node, &cmd::start_service(*role, at, &env))
                .await?;
        }
        Ok(())
    }

    async fn teardown(&self, test: &Test, node: &str) -> Result<(), DbError> {
        test.remote.exec(node, &cmd::wipe()).await?;
        Ok(())
    }

    fn ports(&self) -> Option<Ports> {
        Some(PORTS)
    }

    fn as_log_files(&self) -> Option<&dyn LogFiles> {
        Some(self)
    }

    fn as_kill(&self) -> Option<&dyn Kill> {
        Some(&self.processes)
    }

    fn as_pause(&self) -> Option<&dyn Pause> {
        Some(&self.processes)
    }
}

impl LogFiles for Shop {
    fn log_files(&self, test: &Test, node: &str) -> Vec<String> {
        match Layout::of_test(test) {
            Ok(l) => l.on(node).into_iter().map(cmd::log_file).collect(),
            Err(_) => Vec::new(),
        }
    }
}

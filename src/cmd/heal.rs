//! Healing what an earlier run left: before every `rjepsen test`, and as
//! `rjepsen cluster heal`.
//!
//! A control node killed mid-run (SIGKILL, a crash, a lost laptop) never runs
//! its teardown, so iptables chains, SIGSTOPped processes and netem qdiscs stay
//! on the nodes and would quietly shape the next run. Every fault package
//! sweeps for its own leftovers; this says on stderr what was healed, and a
//! failed sweep stops the test rather than run it on a still-faulted cluster.

use crate::config::BadArgs;
use rjepsen_core::addr::Ports;
use rjepsen_core::control::SshOptions;
use rjepsen_core::db::Db;
use rjepsen_core::provider::NodeProvider;
use rjepsen_core::test::Test;
use std::sync::Arc;

/// Sweeps every fault package over `test`'s nodes and reports each thing
/// healed on stderr; returns how many there were.
pub async fn heal_leftovers(test: &Test, db: Arc<dyn Db>) -> anyhow::Result<usize> {
    let found = rjepsen_nemesis::heal_leftovers(test, db).await;
    for line in &found.healed {
        eprintln!("healed (left by an earlier run): {line}");
    }
    if !found.errors.is_empty() {
        let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
        anyhow::bail!(
            "failed to heal what an earlier run left, so the test does not start: {}",
            errors.join("; ")
        );
    }
    Ok(found.healed.len())
}

/// `rjepsen cluster heal --db DB`: sweeps the local cluster of `provider`.
pub fn cluster_heal(provider: &dyn NodeProvider, db_name: &str) -> anyhow::Result<i32> {
    let db = rjepsen_db::db_for(db_name).map_err(BadArgs)?;
    let nodes: Vec<String> = provider.endpoints()?.into_iter().map(|n| n.name).collect();
    if nodes.is_empty() {
        eprintln!("nothing to heal: no {} cluster is up", provider.name());
        return Ok(0);
    }
    let ports = db.ports().unwrap_or(Ports::NONE);
    let remote = provider.remote(&SshOptions::default())?;
    let rt = tokio::runtime::Runtime::new()?;
    let addrs = rt.block_on(rjepsen_core::addr::resolve(&nodes, remote.as_ref(), ports))?;
    let test = Test {
        addrs,
        name: "cluster-heal".into(),
        nodes,
        concurrency: 1,
        seed: 0,
        remote,
        store_dir: std::env::temp_dir(),
        options: Default::default(),
    };
    let n = rt.block_on(heal_leftovers(&test, db))?;
    if n == 0 {
        eprintln!("nothing to heal on {}", test.nodes.join(", "));
    }
    Ok(0)
}

//! The partition nemesis: grudges applied as iptables rules inside each node.
//!
//! Each node drops, on INPUT, packets whose source address is a node it holds a
//! grudge against. The rules live in a chain of our own (`RJEPSEN`) jumped to
//! from INPUT, so healing removes exactly what we added and nothing an operator
//! or another tool put there. Only node addresses are dropped, so the control
//! node — which reaches nodes over SSH from its own address — is never cut off.
//!
//! Ops: `start-partition` with a mode (`"majority"`, `"one"`, `"ring"`,
//! `"bridge"`, `"primary"`) completes as `info` whose value is the grudge applied,
//! `{"n1":["n3","n4"],...}`; `stop-partition` heals every node.

use crate::grudge::{grudge_for, grudge_json, Grudge, PartitionMode};
use crate::nodes::{on_nodes, resolve_all, results_json, teardown_result, LazyRng, NodeResult};
use async_trait::async_trait;
use rjepsen_core::db::Db;
use rjepsen_core::nemesis::{Nemesis, NemesisError};
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The iptables chain that holds every rule this nemesis adds.
pub const CHAIN: &str = "RJEPSEN";

/// Shell that says what of ours it finds (our chain, with its number of DROP
/// rules) and then heals it; prints nothing where nothing was left.
pub fn sweep_command() -> String {
    format!(
        "if iptables -w -n -L {CHAIN} >/dev/null 2>&1; then \
         echo \"iptables chain {CHAIN} with $(iptables -w -S {CHAIN} | grep -c -- '-j DROP') DROP rule(s)\"; fi; {}",
        heal_command()
    )
}

/// Shell that replaces the node's rules with drops from `sources`.
pub fn apply_command(sources: &[Ipv4Addr]) -> String {
    let mut cmd = format!(
        "iptables -w -N {CHAIN} 2>/dev/null; iptables -w -F {CHAIN} && \
         {{ iptables -w -C INPUT -j {CHAIN} 2>/dev/null || iptables -w -I INPUT 1 -j {CHAIN}; }}"
    );
    for ip in sources {
        cmd.push_str(&format!(" && iptables -w -A {CHAIN} -s {ip} -j DROP"));
    }
    cmd
}

/// Shell that removes our chain and the jump to it; succeeds if they are absent.
pub fn heal_command() -> String {
    format!(
        "if iptables -w -n -L {CHAIN} >/dev/null 2>&1; then \
         while iptables -w -D INPUT -j {CHAIN} 2>/dev/null; do :; done; \
         iptables -w -F {CHAIN} && iptables -w -X {CHAIN}; fi"
    )
}

/// Cuts the network between nodes; see the module documentation.
pub struct PartitionNemesis {
    db: Option<Arc<dyn Db>>,
    rng: LazyRng,
}

impl PartitionNemesis {
    /// A partition nemesis; `db` is asked for primaries by the `primary` mode.
    pub fn new(db: Option<Arc<dyn Db>>) -> PartitionNemesis {
        PartitionNemesis {
            db,
            rng: LazyRng::new(0x7061_7274),
        }
    }

    async fn primaries(&self, test: &Test) -> Result<Vec<String>, String> {
        let primary = self.db.as_ref().and_then(|db| db.as_primary());
        let Some(primary) = primary else {
            return Err("failed to find primaries: the DB does not offer Primary".into());
        };
        primary.primaries(test).await.map_err(|e| e.to_string())
    }

    async fn start(&self, test: &Test, op: &Op) -> Op {
        let mode_name = op.value.as_str().unwrap_or("majority");
        let Some(mode) = PartitionMode::parse(mode_name) else {
            return op.info(format!(
                "failed to start a partition: unknown mode {mode_name:?}"
            ));
        };
        let primaries = if mode == PartitionMode::Primary {
            match self.primaries(test).await {
                Ok(p) => p,
                Err(e) => return op.info(e),
            }
        } else {
            Vec::new()
        };
        let grudge = match self
            .rng
            .with(test, |rng| grudge_for(mode, &test.nodes, &primaries, rng))
        {
            Ok(g) => g,
            Err(e) => return op.info(e),
        };
        let results = match apply_grudge(test, &grudge).await {
            Ok(r) => r,
            Err(e) => return op.info(e),
        };
        let mut done = op.complete(OpType::Info, grudge_json(&grudge));
        done.error = results_json(&results).1;
        done
    }
}

/// Applies `grudge` on every node at once (nodes without a grudge are healed,
/// so a new partition replaces the old one).
pub async fn apply_grudge(
    test: &Test,
    grudge: &Grudge,
) -> Result<Vec<(String, NodeResult)>, String> {
    let addrs: BTreeMap<String, Ipv4Addr> = resolve_all(test)?.into_iter().collect();
    let mut commands = BTreeMap::new();
    for node in &test.nodes {
        let cmd = match grudge.get(node) {
            Some(dropped) => {
                let ips: Vec<Ipv4Addr> = dropped
                    .iter()
                    .filter_map(|d| addrs.get(d).copied())
                    .collect();
                apply_command(&ips)
            }
            None => heal_command(),
        };
        commands.insert(node.clone(), cmd);
    }
    let remote = test.remote.clone();
    Ok(on_nodes(&test.nodes, "apply a partition", |node| {
        let (remote, cmd) = (remote.clone(), commands[&node].clone());
        async move {
            remote
                .exec(&node, &cmd)
                .await
                .map(|_| "partitioned".to_string())
                .map_err(|e| e.to_string())
        }
    })
    .await)
}

/// Removes our rules from every node, trying all of them.
pub async fn heal_all(test: &Test) -> Vec<(String, NodeResult)> {
    let remote = test.remote.clone();
    on_nodes(&test.nodes, "heal a partition", |node| {
        let remote = remote.clone();
        async move {
            remote
                .exec(&node, &heal_command())
                .await
                .map(|_| "healed".to_string())
                .map_err(|e| e.to_string())
        }
    })
    .await
}

#[async_trait]
impl Nemesis for PartitionNemesis {
    async fn setup(&self, test: &Test) -> Result<(), NemesisError> {
        // Starting clean also removes rules left by a run that was killed.
        teardown_result("heal partitions before the test", heal_all(test).await)
    }

    async fn invoke(&self, test: &Test, op: &Op) -> Op {
        match op.f.as_str() {
            "start-partition" => self.start(test, op).await,
            "stop-partition" => {
                let results = heal_all(test).await;
                let (value, error) = results_json(&results);
                let mut done = op.complete(OpType::Info, value);
                done.error = error;
                done
            }
            other => op.info(format!("failed to route {other}: not a partition op")),
        }
    }

    async fn teardown(&self, test: &Test) -> Result<(), NemesisError> {
        teardown_result("heal partitions", heal_all(test).await)
    }

    fn fs(&self) -> Vec<String> {
        vec!["start-partition".into(), "stop-partition".into()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_reports_our_chain_then_heals_it() {
        let cmd = sweep_command();
        let report = cmd.find("echo").unwrap();
        assert!(
            cmd[..report].contains("-L RJEPSEN"),
            "says only what exists: {cmd}"
        );
        assert!(cmd.ends_with(&heal_command()), "{cmd}");
    }

    #[test]
    fn commands_touch_only_our_chain() {
        let cmd = apply_command(&["10.0.0.2".parse().unwrap(), "10.0.0.3".parse().unwrap()]);
        assert!(cmd.contains("-A RJEPSEN -s 10.0.0.2 -j DROP"), "{cmd}");
        assert!(cmd.contains("-A RJEPSEN -s 10.0.0.3 -j DROP"), "{cmd}");
        assert!(
            cmd.contains("-F RJEPSEN"),
            "a new partition replaces the old one: {cmd}"
        );
        assert!(
            !cmd.contains("-F INPUT") && !cmd.contains("-A INPUT"),
            "{cmd}"
        );
        let heal = heal_command();
        assert!(
            heal.contains("-X RJEPSEN") && !heal.contains("-F INPUT"),
            "{heal}"
        );
    }
}

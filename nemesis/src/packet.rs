//! Packet faults with `tc netem` on each target node's interface.
//!
//! netem shapes what a node sends: delay with jitter, loss, duplication,
//! reordering and a rate limit. The interface is the one the node routes to its
//! peers through (found with `ip route get`), or the test option
//! `netem-interface`, so the same nemesis works on local nodes and real machines.
//! Healing deletes the root qdisc only where it is a netem (or tbf) one. On a
//! kernel without netem, loss, duplication and rate are emulated with iptables
//! and tbf (see [`emulate`]); delay and reordering are then reported as errors.
//!
//! `start-packet` takes `{"targets": "majority", "behaviour": "delay"}` (a preset
//! name, or a [`Netem`] object); `stop-packet` heals every node.

pub mod emulate;
mod support;

use crate::nodes::{
    node_ip, on_nodes, pick_targets, resolve_all, results_json, teardown_result, LazyRng,
    NodeResult,
};
use async_trait::async_trait;
use rjepsen_core::control::shell_quote;
use rjepsen_core::nemesis::{Nemesis, NemesisError};
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::net::Ipv4Addr;

pub use emulate::PACKET_CHAIN;
pub use support::NetemSupport;
use support::PROBE;

/// One netem setting; absent fields are not shaped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Netem {
    pub delay_ms: Option<u32>,
    pub jitter_ms: Option<u32>,
    pub loss_pct: Option<f64>,
    pub duplicate_pct: Option<f64>,
    /// Needs a delay: packets not delayed overtake the others.
    pub reorder_pct: Option<f64>,
    pub rate_kbit: Option<u32>,
}

/// Names of the presets a schedule picks from.
pub const BEHAVIOURS: [&str; 5] = ["delay", "loss", "duplicate", "reorder", "rate"];

impl Netem {
    /// A preset by name (see [`BEHAVIOURS`]).
    pub fn preset(name: &str) -> Option<Netem> {
        let d = Netem::default();
        Some(match name {
            "delay" => Netem {
                delay_ms: Some(50),
                jitter_ms: Some(10),
                ..d
            },
            "loss" => Netem {
                loss_pct: Some(20.0),
                ..d
            },
            "duplicate" => Netem {
                duplicate_pct: Some(20.0),
                ..d
            },
            "reorder" => Netem {
                delay_ms: Some(20),
                reorder_pct: Some(25.0),
                ..d
            },
            "rate" => Netem {
                rate_kbit: Some(1000),
                ..d
            },
            _ => return None,
        })
    }

    /// Whether only real netem can do this (delay, reordering).
    pub fn needs_netem(&self) -> bool {
        self.delay_ms.is_some_and(|d| d > 0) || self.reorder_pct.is_some()
    }

    /// The netem arguments, e.g. `delay 50ms 10ms distribution normal loss 20%`.
    pub fn args(&self) -> String {
        let mut a = Vec::new();
        if let Some(d) = self.delay_ms {
            a.push(format!("delay {d}ms"));
            if let Some(j) = self.jitter_ms.filter(|j| *j > 0) {
                a.push(format!("{j}ms distribution normal"));
            }
        }
        if let Some(p) = self.loss_pct {
            a.push(format!("loss {p}%"));
        }
        if let Some(p) = self.duplicate_pct {
            a.push(format!("duplicate {p}%"));
        }
        if let Some(p) = self.reorder_pct {
            if self.delay_ms.is_none() {
                a.push("delay 10ms".into());
            }
            a.push(format!("reorder {p}% 50%"));
        }
        if let Some(r) = self.rate_kbit {
            a.push(format!("rate {r}kbit"));
        }
        a.join(" ")
    }
}

/// Shell that prints the interface `node` uses to reach `peer` (or its default
/// route when `peer` is None).
fn interface_command(peer: Option<std::net::Ipv4Addr>) -> String {
    match peer {
        Some(ip) => format!("ip -o route get {ip} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'"),
        None => "ip -o route show default | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'".into(),
    }
}

/// The interface netem acts on, on `node`.
pub async fn node_interface(test: &Test, node: &str) -> Result<String, String> {
    if let Some(iface) = test.option_str("netem-interface") {
        return Ok(iface.to_string());
    }
    let mut peer = None;
    for other in test.nodes.iter().filter(|n| *n != node) {
        peer = node_ip(test, other).ok();
        if peer.is_some() {
            break;
        }
    }
    let cmd = interface_command(peer);
    let out = test
        .remote
        .exec(node, &cmd)
        .await
        .map_err(|e| e.to_string())?;
    match out.stdout.split_whitespace().next() {
        Some(iface) => Ok(iface.to_string()),
        None => Err(format!(
            "failed to find the network interface on {node}: `{cmd}` printed nothing"
        )),
    }
}

/// Shell that removes what we shaped on `iface`: a netem (or, where netem is
/// emulated, tbf) root qdisc, and our packet chains.
pub fn heal_command(iface: &str) -> String {
    let q = shell_quote(iface);
    format!(
        "if tc qdisc show dev {q} | grep -qE '^qdisc (netem|tbf) [^ ]+ root'; then tc qdisc del dev {q} root; fi; {}",
        emulate::heal_chains_command()
    )
}

/// Shell that says what of ours it finds on `iface` (a netem or tbf root
/// qdisc, our packet chains) and then heals it; prints nothing where nothing
/// was left.
pub fn sweep_command(iface: &str) -> String {
    let q = shell_quote(iface);
    let chains = ["filter", "mangle"].map(|table| {
        format!(
            "if iptables -w -t {table} -n -L {PACKET_CHAIN} >/dev/null 2>&1; then \
             echo 'iptables chain {PACKET_CHAIN} in table {table}'; fi"
        )
    });
    format!(
        "tc qdisc show dev {q} | grep -E '^qdisc (netem|tbf) [^ ]+ root' | sed 's/^/{iface}: /'; {}; {}",
        chains.join("; "),
        heal_command(iface)
    )
}

/// Finds and heals what an earlier run left shaped on `node`; see [`sweep_command`].
pub async fn sweep_node(test: &Test, node: &str) -> NodeResult {
    let iface = node_interface(test, node).await?;
    let out = test
        .remote
        .exec(node, &sweep_command(&iface))
        .await
        .map_err(|e| e.to_string())?;
    Ok(out.stdout)
}

/// Where `shape` sends its traffic faults: the node and its peers' addresses.
struct Target {
    node: String,
    peers: Vec<Ipv4Addr>,
}

/// Heals, then applies `netem` (or heals only, for None). Falls back to
/// [`emulate`] when the node's kernel has no netem.
async fn shape(test: &Test, target: Target, netem: Option<Netem>) -> NodeResult {
    let node = &target.node;
    let iface = node_interface(test, node).await?;
    let heal = heal_command(&iface);
    let run = |cmd: String| async move {
        test.remote
            .exec(node, &cmd)
            .await
            .map_err(|e| e.to_string())
    };
    let Some(netem) = netem else {
        run(heal).await?;
        return Ok(format!("{iface}: healed"));
    };
    let args = netem.args();
    let cmd = format!(
        "{heal}; tc qdisc replace dev {} root netem {args}",
        shell_quote(&iface)
    );
    let out = test
        .remote
        .exec_unchecked(node, &cmd)
        .await
        .map_err(|e| e.to_string())?;
    if out.code == 0 {
        return Ok(format!("{iface}: netem {args}"));
    }
    if !out.stderr.contains("kind is unknown") {
        return Err(format!(
            "failed to run `{cmd}` on {node}: exit code {}; stderr: {}",
            out.code,
            out.stderr.trim()
        ));
    }
    let emulated = emulate::emulate_command(&netem, &iface, &target.peers)
        .map_err(|e| format!("failed to start packet faults on {node}: {e}"))?;
    run(emulated).await?;
    Ok(format!(
        "{iface}: emulated netem {args} (no sch_netem: iptables/tbf)"
    ))
}

/// Shapes (Some) or heals (None) `nodes` at once.
async fn shape_all(
    test: &Test,
    nodes: &[String],
    netem: Option<Netem>,
) -> Vec<(String, NodeResult)> {
    let what = if netem.is_some() {
        "start netem"
    } else {
        "remove netem"
    };
    // Peers are only needed where netem must be emulated; without addresses the
    // emulation simply has no rule to add, and says so through its result.
    let addrs = if netem.is_some() {
        resolve_all(test).unwrap_or_default()
    } else {
        Vec::new()
    };
    on_nodes(nodes, what, |node| {
        let peers = addrs
            .iter()
            .filter(|(n, _)| *n != node)
            .map(|(_, ip)| *ip)
            .collect();
        let (test, netem) = (test.clone(), netem.clone());
        async move { shape(&test, Target { node, peers }, netem).await }
    })
    .await
}

/// Delays, drops, duplicates, reorders or slows packets; see the module docs.
pub struct PacketNemesis {
    rng: LazyRng,
    support: NetemSupport,
}

impl Default for PacketNemesis {
    fn default() -> Self {
        PacketNemesis::new(NetemSupport::default())
    }
}

impl PacketNemesis {
    /// A packet nemesis that records what it learns of netem in `support`.
    pub fn new(support: NetemSupport) -> PacketNemesis {
        PacketNemesis {
            rng: LazyRng::new(0x7063_6b74),
            support,
        }
    }

    /// Probes every node for netem; nodes that do not answer are left out.
    async fn probe(&self, test: &Test) {
        let remote = test.remote.clone();
        let results = on_nodes(&test.nodes, "probe for netem", |node| {
            let remote = remote.clone();
            async move {
                let out = remote.exec(&node, PROBE).await.map_err(|e| e.to_string())?;
                Ok(out.stdout.trim().to_string())
            }
        })
        .await;
        let answers: Vec<String> = results.into_iter().filter_map(|(_, r)| r.ok()).collect();
        if !answers.is_empty() {
            self.support.set(answers.iter().all(|a| a == "present"));
        }
    }

    async fn start(&self, test: &Test, op: &Op) -> Op {
        let behaviour = op
            .value
            .get("behaviour")
            .cloned()
            .unwrap_or(Value::from("delay"));
        let netem = match &behaviour {
            Value::String(name) => Netem::preset(name),
            other => serde_json::from_value::<Netem>(other.clone()).ok(),
        };
        let Some(netem) = netem.filter(|n| !n.args().is_empty()) else {
            return op.info(format!(
                "failed to start packet faults: unknown behaviour {behaviour}"
            ));
        };
        let spec = op
            .value
            .get("targets")
            .cloned()
            .unwrap_or(Value::from("all"));
        let targets = match self
            .rng
            .with(test, |rng| pick_targets(&spec, &test.nodes, rng))
        {
            Ok(t) => t,
            Err(e) => return op.info(e),
        };
        let results = shape_all(test, &targets, Some(netem)).await;
        let (nodes, error) = results_json(&results);
        let mut done = op.complete(
            OpType::Info,
            json!({"behaviour": behaviour, "nodes": nodes}),
        );
        done.error = error;
        done
    }
}

#[async_trait]
impl Nemesis for PacketNemesis {
    /// Learns whether the nodes have netem, and removes shaping a killed run
    /// may have left.
    async fn setup(&self, test: &Test) -> Result<(), NemesisError> {
        self.probe(test).await;
        teardown_result(
            "remove netem before the test",
            shape_all(test, &test.nodes, None).await,
        )
    }

    async fn invoke(&self, test: &Test, op: &Op) -> Op {
        match op.f.as_str() {
            "start-packet" => self.start(test, op).await,
            "stop-packet" => {
                let (value, error) = results_json(&shape_all(test, &test.nodes, None).await);
                let mut done = op.complete(OpType::Info, value);
                done.error = error;
                done
            }
            other => op.info(format!("failed to route {other}: not a packet op")),
        }
    }

    async fn teardown(&self, test: &Test) -> Result<(), NemesisError> {
        teardown_result("remove netem", shape_all(test, &test.nodes, None).await)
    }

    fn fs(&self) -> Vec<String> {
        vec!["start-packet".into(), "stop-packet".into()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_reports_qdiscs_and_chains_then_heals() {
        let cmd = sweep_command("eth0");
        assert!(
            cmd.contains("grep -E '^qdisc (netem|tbf) [^ ]+ root' | sed 's/^/eth0: /'"),
            "{cmd}"
        );
        assert!(
            cmd.contains("echo 'iptables chain RJEPSEN-PKT in table mangle'"),
            "{cmd}"
        );
        assert!(cmd.ends_with(&heal_command("eth0")), "{cmd}");
    }

    #[test]
    fn presets_make_netem_arguments() {
        let table = [
            ("delay", "delay 50ms 10ms distribution normal"),
            ("loss", "loss 20%"),
            ("duplicate", "duplicate 20%"),
            ("reorder", "delay 20ms reorder 25% 50%"),
            ("rate", "rate 1000kbit"),
        ];
        for (name, args) in table {
            assert_eq!(Netem::preset(name).unwrap().args(), args, "{name}");
        }
        assert_eq!(BEHAVIOURS.len(), table.len());
        let reorder_alone = Netem {
            reorder_pct: Some(5.0),
            ..Netem::default()
        };
        assert_eq!(reorder_alone.args(), "delay 10ms reorder 5% 50%");
        assert!(Netem::preset("teleport").is_none());
    }
}

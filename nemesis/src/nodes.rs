//! What every nemesis needs to act on many nodes: run one action per node at
//! once with a time bound, pick target nodes, and find the IPv4 addresses that
//! iptables and routes speak (in the test's address book, resolved once).
//!
//! Every per-node action yields `Result<String, String>` (what happened, or a
//! message naming node and command) rather than stopping at the first error: a
//! nemesis that heals must try every node even when one does not answer.

use rand::seq::SliceRandom;
use rand::Rng;
use rjepsen_core::nemesis::NemesisError;
use rjepsen_core::test::Test;
use serde_json::{Map, Value};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// How long one node may take to carry out one network action (iptables, tc).
pub(crate) const NODE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one node may take to kill, start, pause or resume its DB: starting
/// may wait for the DB to serve again, which takes a while after a hard kill.
pub(crate) const DB_TIMEOUT: Duration = Duration::from_secs(120);

/// What one node made of an action.
pub(crate) type NodeResult = Result<String, String>;

/// Runs `action(node)` on every node at once, each bounded by [`NODE_TIMEOUT`];
/// results come back in the order of `nodes`.
pub(crate) async fn on_nodes<F, Fut>(
    nodes: &[String],
    what: &str,
    action: F,
) -> Vec<(String, NodeResult)>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = NodeResult> + Send + 'static,
{
    on_nodes_within(NODE_TIMEOUT, nodes, what, action).await
}

/// [`on_nodes`] with another bound per node.
pub(crate) async fn on_nodes_within<F, Fut>(
    limit: Duration,
    nodes: &[String],
    what: &str,
    action: F,
) -> Vec<(String, NodeResult)>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = NodeResult> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let fut = action(node.clone());
        let (node, what) = (node.clone(), what.to_string());
        set.spawn(async move {
            let r = match tokio::time::timeout(limit, fut).await {
                Ok(r) => r,
                Err(_) => Err(format!(
                    "failed to {what} on {node}: no answer within {}s",
                    limit.as_secs()
                )),
            };
            (i, node, r)
        });
    }
    let mut out: Vec<(usize, String, NodeResult)> = Vec::with_capacity(nodes.len());
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(r) => out.push(r),
            Err(e) => out.push((
                usize::MAX,
                "?".into(),
                Err(format!("failed to {what}: task {e}")),
            )),
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, n, r)| (n, r)).collect()
}

/// Per-node results as a JSON object `{"n1":"killed","n2":"failed to ..."}`, and
/// the errors alone (None when every node succeeded) for the op's `error` field.
pub(crate) fn results_json(results: &[(String, NodeResult)]) -> (Value, Option<Value>) {
    let mut value = Map::new();
    let mut errors = Map::new();
    for (node, r) in results {
        match r {
            Ok(s) => value.insert(node.clone(), Value::String(s.clone())),
            Err(e) => {
                errors.insert(node.clone(), Value::String(e.clone()));
                value.insert(node.clone(), Value::String(e.clone()))
            }
        };
    }
    let errors = (!errors.is_empty()).then_some(Value::Object(errors));
    (Value::Object(value), errors)
}

/// Turns per-node results into one error that lists every node that failed.
pub(crate) fn teardown_result(
    action: &str,
    results: Vec<(String, NodeResult)>,
) -> Result<(), NemesisError> {
    let errors: Vec<String> = results.into_iter().filter_map(|(_, r)| r.err()).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(NemesisError {
            action: action.to_string(),
            message: errors.join("; "),
        })
    }
}

/// Picks the nodes a process or packet fault acts on: `"one"`, `"minority"`,
/// `"majority"`, `"all"` (or null), or an explicit list of node names.
/// `"primaries"` is resolved by the caller, who knows the DB.
pub(crate) fn pick_targets(
    spec: &Value,
    nodes: &[String],
    rng: &mut impl Rng,
) -> Result<Vec<String>, String> {
    let n = nodes.len();
    let count = match spec {
        Value::Null => n,
        Value::Array(names) => {
            let names: Vec<String> = names
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            if let Some(bad) = names.iter().find(|x| !nodes.contains(x)) {
                return Err(format!(
                    "failed to pick targets: {bad} is not a node of this test"
                ));
            }
            return Ok(names);
        }
        Value::String(s) => match s.trim_start_matches(':') {
            "one" => n.min(1),
            "minority" => ((n.saturating_sub(1)) / 2).max(1).min(n),
            "majority" => (n / 2 + 1).min(n),
            "all" => n,
            other => return Err(format!("failed to pick targets: unknown target {other:?}")),
        },
        other => return Err(format!("failed to pick targets: unknown target {other}")),
    };
    let mut picked: Vec<String> = nodes.choose_multiple(rng, count).cloned().collect();
    picked.sort_by_key(|x| nodes.iter().position(|n| n == x));
    Ok(picked)
}

/// The IPv4 address of `name`, as the test's address book has it (the node's
/// own address: what iptables and routes inside the nodes see).
pub(crate) fn node_ip(test: &Test, name: &str) -> Result<Ipv4Addr, String> {
    let entry = test.addrs.get(name).map_err(|e| e.to_string())?;
    match entry.ip() {
        IpAddr::V4(ip) => Ok(ip),
        IpAddr::V6(ip) => Err(format!(
            "failed to use {name}'s address {ip}: the network nemeses speak IPv4 only"
        )),
    }
}

/// Every node of the test with its IPv4 address from the address book.
pub(crate) fn resolve_all(test: &Test) -> Result<Vec<(String, Ipv4Addr)>, String> {
    test.nodes
        .iter()
        .map(|n| node_ip(test, n).map(|ip| (n.clone(), ip)))
        .collect()
}

/// A salt for a nemesis's RNG from its kind's name (FNV-1a), so that kinds
/// drawing from the same test seed do not draw the same numbers.
pub(crate) fn salt(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A nemesis's own RNG, seeded from the test's seed the first time it is used,
/// so the nodes a fault hits are replayed by the same seed.
pub(crate) struct LazyRng {
    salt: u64,
    rng: std::sync::Mutex<Option<rand_chacha::ChaCha8Rng>>,
}

impl LazyRng {
    pub(crate) fn new(salt: u64) -> LazyRng {
        LazyRng {
            salt,
            rng: std::sync::Mutex::new(None),
        }
    }

    pub(crate) fn with<T>(
        &self,
        test: &Test,
        f: impl FnOnce(&mut rand_chacha::ChaCha8Rng) -> T,
    ) -> T {
        use rand::SeedableRng;
        let mut guard = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let rng = guard
            .get_or_insert_with(|| rand_chacha::ChaCha8Rng::seed_from_u64(test.seed ^ self.salt));
        f(rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn nodes(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn target_counts() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let table = [
            ("one", 5, 1),
            ("minority", 5, 2),
            ("minority", 3, 1),
            ("majority", 5, 3),
            ("majority", 4, 3),
            ("all", 5, 5),
        ];
        for (spec, n, want) in table {
            let got = pick_targets(&Value::from(spec), &nodes(n), &mut rng).unwrap();
            assert_eq!(got.len(), want, "{spec} of {n}");
            let distinct: std::collections::BTreeSet<_> = got.iter().collect();
            assert_eq!(distinct.len(), want);
        }
        let explicit = serde_json::json!(["n2"]);
        assert_eq!(
            pick_targets(&explicit, &nodes(3), &mut rng).unwrap(),
            vec!["n2"]
        );
        let err = pick_targets(&serde_json::json!(["n9"]), &nodes(3), &mut rng).unwrap_err();
        assert!(err.contains("n9"), "{err}");
        assert!(pick_targets(&Value::from("most"), &nodes(3), &mut rng).is_err());
    }

    #[test]
    fn results_split_errors() {
        let rs = vec![
            ("n1".to_string(), Ok("killed".to_string())),
            ("n2".to_string(), Err("failed to kill on n2: x".to_string())),
        ];
        let (v, e) = results_json(&rs);
        assert_eq!(v["n1"], "killed");
        assert_eq!(e.unwrap()["n2"], "failed to kill on n2: x");
        let (_, e) = results_json(&rs[..1]);
        assert!(e.is_none());
    }
}

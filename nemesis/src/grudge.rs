//! Grudges: who drops traffic from whom during a partition, computed purely.
//!
//! A grudge maps each node to the set of nodes it drops packets from (Jepsen's
//! `jepsen.nemesis/complete-grudge` and friends). Computing it apart from applying
//! it keeps the interesting part — the shape of the partition — testable without
//! a network, and lets the completion of `start-partition` record exactly what was
//! done. All randomness comes from the RNG passed in, so a seed replays a schedule.

use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Node → the nodes it drops traffic from. Nodes with no grudge are absent.
pub type Grudge = BTreeMap<String, BTreeSet<String>>;

/// The shapes of partition the nemesis knows, named as in the op's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionMode {
    /// Random halves: a minority and a majority that cannot talk.
    Majority,
    /// One random node cut off from all others.
    One,
    /// Every node sees a majority (itself included) and no two see the same one.
    Ring,
    /// Two halves joined by one node that sees both.
    Bridge,
    /// The current primaries (leaders) each cut off from everyone.
    Primary,
}

impl PartitionMode {
    /// Every mode, in the order a schedule offers them.
    pub const ALL: [PartitionMode; 5] = [
        PartitionMode::Majority,
        PartitionMode::One,
        PartitionMode::Ring,
        PartitionMode::Bridge,
        PartitionMode::Primary,
    ];

    /// Parses an op value such as `"majority"`; `"halves"` and
    /// `"majorities-ring"` are accepted as Jepsen's names.
    pub fn parse(s: &str) -> Option<PartitionMode> {
        Some(match s.trim_start_matches(':') {
            "majority" | "halves" | "random-halves" => PartitionMode::Majority,
            "one" | "isolate-one" => PartitionMode::One,
            "ring" | "majorities-ring" => PartitionMode::Ring,
            "bridge" => PartitionMode::Bridge,
            "primary" | "primaries" | "leader" => PartitionMode::Primary,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartitionMode::Majority => "majority",
            PartitionMode::One => "one",
            PartitionMode::Ring => "ring",
            PartitionMode::Bridge => "bridge",
            PartitionMode::Primary => "primary",
        }
    }
}

/// Each node drops traffic from every node outside its own component.
pub fn complete_grudge(components: &[Vec<String>]) -> Grudge {
    let all: BTreeSet<String> = components.iter().flatten().cloned().collect();
    let mut grudge = Grudge::new();
    for component in components {
        let inside: BTreeSet<String> = component.iter().cloned().collect();
        let outside: BTreeSet<String> = all.difference(&inside).cloned().collect();
        if outside.is_empty() {
            continue;
        }
        for node in component {
            grudge.insert(node.clone(), outside.clone());
        }
    }
    grudge
}

/// Splits shuffled nodes into a smaller first half and a larger second one.
fn shuffled_halves(nodes: &[String], rng: &mut impl Rng) -> (Vec<String>, Vec<String>) {
    let mut v = nodes.to_vec();
    v.shuffle(rng);
    let rest = v.split_off(v.len() / 2);
    (v, rest)
}

/// Random halves: the first component is the minority.
pub fn random_halves(nodes: &[String], rng: &mut impl Rng) -> Grudge {
    let (a, b) = shuffled_halves(nodes, rng);
    complete_grudge(&[a, b])
}

/// One random node cut off from all the others.
pub fn isolate_one(nodes: &[String], rng: &mut impl Rng) -> Grudge {
    let lonely = nodes.choose(rng).cloned().into_iter().collect::<Vec<_>>();
    let rest = nodes
        .iter()
        .filter(|n| !lonely.contains(n))
        .cloned()
        .collect();
    complete_grudge(&[lonely, rest])
}

/// Each node sees a majority (itself included), no two nodes see the same set,
/// and who sees whom is symmetric.
///
/// Nodes sit on a shuffled ring and see their `k = (m-1)/2` nearest neighbours on
/// each side (`m` the majority size). When `m` is even that is one short, so each
/// node also sees the node opposite it. Symmetry matters: a TCP exchange needs
/// both directions, so a one-way cut is a cut, and a lopsided "ring" on 3 nodes
/// would in effect isolate every node. Three nodes are a path (the middle one
/// sees both ends), the only symmetric shape with distinct majorities.
pub fn majorities_ring(nodes: &[String], rng: &mut impl Rng) -> Grudge {
    let mut ring = nodes.to_vec();
    ring.shuffle(rng);
    let n = ring.len();
    let m = n / 2 + 1;
    let k = (m - 1) / 2;
    let mut sees = vec![BTreeSet::new(); n];
    let mut link = |a: usize, b: usize| {
        sees[a].insert(b);
        sees[b].insert(a);
    };
    if n == 3 {
        link(0, 1);
        link(1, 2);
    } else {
        for i in 0..n {
            for d in 1..=k {
                link(i, (i + d) % n);
            }
            if 2 * k < m - 1 {
                link(i, (i + n / 2) % n);
            }
        }
    }
    let mut grudge = Grudge::new();
    for i in 0..n {
        let dropped: BTreeSet<String> = (0..n)
            .filter(|j| *j != i && !sees[i].contains(j))
            .map(|j| ring[j].clone())
            .collect();
        if !dropped.is_empty() {
            grudge.insert(ring[i].clone(), dropped);
        }
    }
    grudge
}

/// Two halves that cannot talk, joined by one node in the middle that sees both.
pub fn bridge(nodes: &[String], rng: &mut impl Rng) -> Grudge {
    let mut v = nodes.to_vec();
    v.shuffle(rng);
    let middle = v.pop().expect("bridge needs nodes");
    let right = v.split_off(v.len() / 2);
    let left = v;
    let mut grudge = complete_grudge(&[left.clone(), right.clone()]);
    // The middle node is not in either component, so nobody dropped it.
    debug_assert!(!grudge.contains_key(&middle));
    grudge.retain(|node, _| node != &middle);
    grudge
}

/// Each primary alone; the other nodes together.
pub fn isolate_primaries(nodes: &[String], primaries: &[String]) -> Grudge {
    let mut components: Vec<Vec<String>> = primaries
        .iter()
        .filter(|p| nodes.contains(p))
        .map(|p| vec![p.clone()])
        .collect();
    components.push(
        nodes
            .iter()
            .filter(|n| !primaries.contains(n))
            .cloned()
            .collect(),
    );
    complete_grudge(&components)
}

/// The grudge for `mode` over `nodes`; `primaries` is only used by
/// [`PartitionMode::Primary`]. Errors name the mode and why it cannot apply.
pub fn grudge_for(
    mode: PartitionMode,
    nodes: &[String],
    primaries: &[String],
    rng: &mut impl Rng,
) -> Result<Grudge, String> {
    let need = match mode {
        PartitionMode::Majority | PartitionMode::One | PartitionMode::Primary => 2,
        PartitionMode::Ring | PartitionMode::Bridge => 3,
    };
    if nodes.len() < need {
        return Err(format!(
            "failed to build a {} partition: it needs at least {need} nodes, the test has {}",
            mode.as_str(),
            nodes.len()
        ));
    }
    Ok(match mode {
        PartitionMode::Majority => random_halves(nodes, rng),
        PartitionMode::One => isolate_one(nodes, rng),
        PartitionMode::Ring => majorities_ring(nodes, rng),
        PartitionMode::Bridge => bridge(nodes, rng),
        PartitionMode::Primary if primaries.is_empty() => {
            return Err("failed to build a primary partition: the DB reports no primary".into())
        }
        PartitionMode::Primary if !primaries.iter().any(|p| nodes.contains(p)) => {
            return Err(format!(
                "failed to build a primary partition: the DB names {primaries:?} as primaries, \
                 none of which is a node of this test"
            ))
        }
        PartitionMode::Primary => isolate_primaries(nodes, primaries),
    })
}

/// The grudge as JSON, as recorded in the history: `{"n1":["n3","n4"],...}`.
pub fn grudge_json(grudge: &Grudge) -> Value {
    let map: Map<String, Value> = grudge
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().cloned().collect::<Vec<_>>().into()))
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests;

//! The fault vocabulary: what each kind of fault is called, which nemesis `f`s
//! start and stop it, in which order faults are healed, and how a report colours
//! it — and, from that alone, when each fault was in force in a history.
//!
//! This is the one home of that vocabulary (Jepsen's `:perf` specs of its
//! combined nemesis packages): the nemesis schedule, the progress line, the
//! report and `results.json` all read a [`FaultSpec`] and nothing guesses from
//! an `f`'s prefix, so a fault whose ops are `kill`/`start` or `bump-clock`/
//! `reset-clock` is as visible as `start-partition`/`stop-partition`. It lives in
//! the pure half of core (no tokio, no SSH) so that the report can read it.

use crate::op::{Op, Process};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One kind of fault, as `results.json` records it (`nemesis-faults`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// The kind's name, as `--nemesis` takes it and intervals carry it.
    pub name: String,
    /// The `f`s whose ops start this fault.
    pub start: Vec<String>,
    /// The `f`s whose ops stop it; the first one is what healing invokes.
    pub stop: Vec<String>,
    /// Lower ranks are healed first (the network before the processes).
    pub heal_rank: u32,
    /// `#rrggbb`, for the report's shading.
    pub colour: String,
}

impl FaultSpec {
    pub fn new(name: &str, start: &[&str], stop: &[&str], heal_rank: u32, colour: &str) -> Self {
        let own = |fs: &[&str]| fs.iter().map(|f| f.to_string()).collect();
        FaultSpec {
            name: name.to_string(),
            start: own(start),
            stop: own(stop),
            heal_rank,
            colour: colour.to_string(),
        }
    }

    /// The `f` that heals this fault.
    pub fn heal_f(&self) -> &str {
        self.stop.first().map_or("", String::as_str)
    }
}

/// Whether an op's `f` starts or stops its fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    Start,
    Stop,
}

/// The faults shipped with rjepsen. Their packages (in `rjepsen-nemesis`) take
/// their specs from here; a report of a run whose `results.json` predates
/// `nemesis-faults` falls back to these.
pub fn builtin_specs() -> Vec<FaultSpec> {
    vec![
        // Thawed first: a frozen node answers nothing, not even a heal.
        FaultSpec::new("freeze", &["freeze"], &["unfreeze"], 5, "#9c6ade"),
        FaultSpec::new(
            "partition",
            &["start-partition"],
            &["stop-partition"],
            10,
            "#e9c46a",
        ),
        FaultSpec::new("pause", &["pause"], &["resume"], 20, "#7aa6e9"),
        FaultSpec::new("kill", &["kill"], &["start"], 30, "#e15759"),
        FaultSpec::new("packet", &["start-packet"], &["stop-packet"], 40, "#59a14f"),
        // Faults at the fault proxy (rjepsen-proxy) between nodes; healed with
        // the network, before processes are resumed and started.
        FaultSpec::new(
            "proxy-partition",
            &["start-proxy-partition"],
            &["stop-proxy-partition"],
            11,
            "#9c755f",
        ),
        FaultSpec::new(
            "proxy-reset",
            &["start-proxy-reset"],
            &["stop-proxy-reset"],
            12,
            "#b07aa1",
        ),
        FaultSpec::new(
            "proxy-delay",
            &["start-proxy-delay"],
            &["stop-proxy-delay"],
            13,
            "#76b7b2",
        ),
        FaultSpec::new(
            "proxy-bandwidth",
            &["start-proxy-bandwidth"],
            &["stop-proxy-bandwidth"],
            14,
            "#ff9da7",
        ),
    ]
}

/// The built-in spec named `name`.
pub fn builtin_spec(name: &str) -> Option<FaultSpec> {
    builtin_specs().into_iter().find(|s| s.name == name)
}

/// A set of fault specs, looked up by `f`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultBook {
    specs: Vec<FaultSpec>,
}

impl FaultBook {
    pub fn new(specs: Vec<FaultSpec>) -> FaultBook {
        FaultBook { specs }
    }

    pub fn builtin() -> FaultBook {
        FaultBook::new(builtin_specs())
    }

    /// The specs `results.json` recorded under `nemesis-faults`, or the built-in
    /// ones for a run that recorded none (older runs). A malformed list is an
    /// error naming what was wrong.
    pub fn from_results(results: Option<&Value>) -> Result<FaultBook, String> {
        match results.and_then(|r| r.get("nemesis-faults")) {
            None | Some(Value::Null) => Ok(FaultBook::builtin()),
            Some(v) => serde_json::from_value(v.clone())
                .map(FaultBook::new)
                .map_err(|e| format!("failed to read nemesis-faults in results.json: {e}")),
        }
    }

    pub fn specs(&self) -> &[FaultSpec] {
        &self.specs
    }

    pub fn get(&self, name: &str) -> Option<&FaultSpec> {
        self.specs.iter().find(|s| s.name == name)
    }

    /// The fault an op's `f` belongs to, and whether it starts or stops it.
    /// A leading `:` (Jepsen's keywords) is ignored.
    pub fn edge(&self, f: &str) -> Option<(&FaultSpec, Edge)> {
        let f = f.trim_start_matches(':');
        self.specs.iter().find_map(|s| {
            if s.start.iter().any(|x| x == f) {
                Some((s, Edge::Start))
            } else if s.stop.iter().any(|x| x == f) {
                Some((s, Edge::Stop))
            } else {
                None
            }
        })
    }

    /// The specs in the order faults are healed (by rank, then name).
    pub fn heal_order(&self) -> Vec<&FaultSpec> {
        let mut v: Vec<&FaultSpec> = self.specs.iter().collect();
        v.sort_by(|a, b| (a.heal_rank, &a.name).cmp(&(b.heal_rank, &b.name)));
        v
    }

    /// The colour of the fault `name`, if the book knows it.
    pub fn colour(&self, name: &str) -> Option<&str> {
        self.get(name).map(|s| s.colour.as_str())
    }
}

/// One fault window, as exported in `results.json` (`nemesis-intervals`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultInterval {
    /// The fault's spec name.
    pub kind: String,
    /// Nanoseconds since the test started: the start op's invocation.
    pub start: u64,
    /// The stop op's completion, or None if the fault was never stopped.
    pub stop: Option<u64>,
    /// What the start op did: its completion's value (the grudge, the nodes
    /// killed, ...), or its invocation's value if it never completed.
    #[serde(default)]
    pub value: Value,
}

/// Whether a start op's completion did anything: no error, or an error on
/// only some of the nodes its value names (`{"n1":..}` or `{"nodes":{..}}`).
fn took_effect(completion: &Op) -> bool {
    let Some(error) = &completion.error else {
        return true;
    };
    let Some(failed) = error.as_object() else {
        return false;
    };
    let named = completion.value.get("nodes").unwrap_or(&completion.value);
    match named.as_object() {
        Some(nodes) => nodes.keys().any(|n| !failed.contains_key(n)),
        None => false,
    }
}

/// The fault windows of a history, in order of their start.
///
/// An interval opens at the invocation of a start op and closes at the
/// completion of the next stop op of the same fault: the widest window in which
/// the fault may have acted. A stop closes every open interval of its fault; one
/// never stopped has `stop: None`. A start that failed on every node it
/// targeted opens no interval: nothing was faulted.
pub fn fault_intervals(history: &[Op], book: &FaultBook) -> Vec<FaultInterval> {
    let mut out: Vec<FaultInterval> = Vec::new();
    // Index in `out` of the start op whose completion is awaited.
    let mut awaiting_start: Option<usize> = None;
    let mut awaiting_stop: Option<&str> = None;
    for op in history.iter().filter(|op| op.process == Process::Nemesis) {
        let Some((spec, edge)) = book.edge(&op.f) else {
            continue;
        };
        let kind = spec.name.as_str();
        if op.is_invoke() {
            if edge == Edge::Start {
                out.push(FaultInterval {
                    kind: kind.into(),
                    start: op.time,
                    stop: None,
                    value: op.value.clone(),
                });
                awaiting_start = Some(out.len() - 1);
            } else {
                awaiting_stop = Some(kind);
            }
            continue;
        }
        if edge == Edge::Start {
            if let Some(i) = awaiting_start.take() {
                if took_effect(op) {
                    out[i].value = op.value.clone();
                } else {
                    out.remove(i);
                }
            }
        } else if awaiting_stop.take() == Some(kind) {
            for iv in out
                .iter_mut()
                .filter(|iv| iv.kind == kind && iv.stop.is_none())
            {
                iv.stop = Some(op.time);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;

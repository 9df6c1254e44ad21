//! Consistency models, the anomalies each rules out, and Elle's `not`/`also-not`.
//!
//! Three tables mirror the graphs of Elle's `elle.consistency-model` (after Adya,
//! Bailis, Cerone and others), under Elle's friendly model names: which anomaly
//! implies which (a G-single-item is also a G-single and a G-nonadjacent-item, a
//! G0 is also a G1c...), which model implies which (strict-serializable implies
//! serializable, snapshot-isolation, linearizable...), and which anomalies each
//! model directly proscribes. Everything else is a graph walk over them, the way
//! Elle computes it: the anomalies a set of models forbids (their implied models'
//! proscribed anomalies, plus every anomaly implying one of those), the models a
//! set of anomalies rules out (the anomalies and all they imply, the models
//! proscribing any of them, and every model implying one of those), and the
//! weakest of those (`not`) versus the rest (`also-not`). Keeping the tables
//! identical to Elle's is what makes the `not` sets agree.

use std::collections::BTreeSet;

type Dag = &'static [(&'static str, &'static [&'static str])];

/// `a` implies each of `b`: finding `a` means `b` is present as well.
const IMPLIES: Dag = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    (
        "G-single-item",
        &["G-single", "G-single-item-process", "G-nonadjacent-item"],
    ),
    (
        "G-single-item-process",
        &[
            "G-single-process",
            "G-single-item-realtime",
            "G-nonadjacent-item-process",
        ],
    ),
    (
        "G-single-item-realtime",
        &["G-single-realtime", "G-nonadjacent-item-realtime"],
    ),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    (
        "G-single-process",
        &["G-nonadjacent-process", "G-single-realtime"],
    ),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    (
        "G-nonadjacent-item",
        &["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
    ),
    (
        "G-nonadjacent-item-process",
        &[
            "G-nonadjacent-process",
            "G2-item-process",
            "G-nonadjacent-item-realtime",
        ],
    ),
    (
        "G-nonadjacent-item-realtime",
        &["G2-item-realtime", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    (
        "G-nonadjacent-process",
        &["G2-process", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

/// A history satisfying the first model also satisfies each of the second.
const MODEL_IMPLIES: Dag = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("cursor-stability", &["read-committed"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("read-committed", &["read-uncommitted"]),
    (
        "serializable",
        &[
            "repeatable-read",
            "update-serializable",
            "snapshot-isolation",
            "view-serializable",
        ],
    ),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["read-committed"]),
    ("monotonic-snapshot-read", &["read-committed"]),
    ("parallel-snapshot-isolation", &["causal-cerone", "ROLA"]),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    (
        "repeatable-read",
        &["cursor-stability", "monotonic-atomic-view"],
    ),
    ("ROLA", &["read-atomic"]),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
            "session-serializable",
        ],
    ),
    ("strong-session-read-uncommitted", &["read-uncommitted"]),
    (
        "strong-session-read-committed",
        &["read-committed", "strong-session-read-uncommitted"],
    ),
    (
        "strong-read-uncommitted",
        &["strong-session-read-uncommitted"],
    ),
    (
        "strong-read-committed",
        &["strong-session-read-committed", "strong-read-uncommitted"],
    ),
    (
        "strong-session-serializable",
        &["serializable", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["snapshot-isolation", "strong-session-read-committed"],
    ),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-read-committed"],
    ),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    (
        "PRAM",
        &["monotonic-reads", "monotonic-writes", "read-your-writes"],
    ),
    ("view-serializable", &[]),
    ("1SR", &[]),
    ("read-uncommitted", &[]),
    ("writes-follow-reads", &[]),
    ("monotonic-reads", &[]),
    ("monotonic-writes", &[]),
    ("read-your-writes", &[]),
];

/// Anomalies each model rules out directly (weaker models' add to these).
const PROSCRIBES: Dag = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    (
        "serializable",
        &[
            "G1",
            "G2",
            "predicate-read-miss",
            "internal",
            "PL-3-cycle-exists",
        ],
    ),
    ("read-committed", &["G1", "PL-2-cycle-exists"]),
    (
        "read-uncommitted",
        &[
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
        ],
    ),
    ("prefix", &["internal", "G1a"]),
    (
        "snapshot-isolation",
        &[
            "internal",
            "G1",
            "G-SI",
            "G-nonadjacent",
            "PL-SI-cycle-exists",
        ],
    ),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    (
        "repeatable-read",
        &["G1", "G2-item", "lost-update", "PL-2.99-cycle-exists"],
    ),
    ("ROLA", &["lost-update"]),
    (
        "strict-serializable",
        &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
    ),
    (
        "strong-session-read-uncommitted",
        &["G0-process", "strong-session-PL-1-cycle-exists"],
    ),
    (
        "strong-session-read-committed",
        &["G1c-process", "strong-session-PL-2-cycle-exists"],
    ),
    (
        "strong-read-uncommitted",
        &["G0-realtime", "strong-PL-1-cycle-exists"],
    ),
    (
        "strong-read-committed",
        &["G1c-realtime", "strong-PL-2-cycle-exists"],
    ),
    (
        "strong-session-snapshot-isolation",
        &[
            "internal",
            "G1-process",
            "G-nonadjacent-process",
            "strong-session-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-snapshot-isolation",
        &[
            "internal",
            "G1-realtime",
            "G-nonadjacent-realtime",
            "strong-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-session-serializable",
        &[
            "G1-process",
            "G2-process",
            "strong-session-serializable-cycle-exists",
        ],
    ),
    ("update-serializable", &["G1", "G-update"]),
];

/// Other names Elle accepts for the same model (its canonical names map to the
/// friendly ones it reports).
const ALIASES: &[(&str, &str)] = &[
    ("strong-serializable", "strict-serializable"),
    ("conflict-serializable", "serializable"),
    ("PL-3", "serializable"),
    ("PL-2+", "consistent-view"),
    ("PL-CS", "cursor-stability"),
    ("PL-FCV", "forward-consistent-view"),
    ("PL-MSR", "monotonic-snapshot-read"),
    ("PL-2L", "monotonic-view"),
    ("PL-2", "read-committed"),
    ("PL-1", "read-uncommitted"),
    ("PL-2.99", "repeatable-read"),
    ("PL-SI", "snapshot-isolation"),
    ("PL-SS", "strict-serializable"),
    ("PL-3U", "update-serializable"),
    ("strong-session-PL-1", "strong-session-read-uncommitted"),
    ("strong-session-PL-2", "strong-session-read-committed"),
    ("strong-PL-1", "strong-read-uncommitted"),
    ("strong-PL-2", "strong-read-committed"),
];

/// Anomalies that make a verdict unknown rather than invalid (Elle's
/// `unknown-anomaly-types`): always reported, never implying anything.
pub(crate) const UNKNOWN_TYPES: [&str; 2] = ["empty-transaction-graph", "cycle-search-timeout"];

fn lookup(table: Dag, key: &str) -> &'static [&'static str] {
    table
        .iter()
        .find(|e| e.0 == key)
        .map(|e| e.1)
        .unwrap_or(&[])
}

/// The `a`s with `b` among their successors.
fn predecessors(table: Dag, b: &str) -> Vec<&'static str> {
    table
        .iter()
        .filter(|e| e.1.contains(&b))
        .map(|e| e.0)
        .collect()
}

/// The canonical name of a model, or an error naming the known ones.
pub(crate) fn canonical(model: &str) -> Result<&'static str, String> {
    let m = model.trim_start_matches(':');
    let m = ALIASES.iter().find(|a| a.0 == m).map(|a| a.1).unwrap_or(m);
    MODEL_IMPLIES
        .iter()
        .map(|e| e.0)
        .find(|&k| k == m)
        .ok_or_else(|| {
            let known: Vec<&str> = MODEL_IMPLIES.iter().map(|e| e.0).collect();
            format!(
                "unknown consistency model {model:?}; known: {}",
                known.join(", ")
            )
        })
}

/// The static spelling of a known anomaly name, or an error naming the known ones.
pub(crate) fn anomaly(name: &str) -> Result<&'static str, String> {
    let a = name.trim_start_matches(':');
    all_anomalies()
        .into_iter()
        .find(|&n| n == a)
        .ok_or_else(|| {
            format!(
                "unknown anomaly {name:?}; known: {}",
                all_anomalies().into_iter().collect::<Vec<_>>().join(", ")
            )
        })
}

/// Every anomaly name the tables know, plus the unknown-verdict ones.
fn all_anomalies() -> BTreeSet<&'static str> {
    IMPLIES
        .iter()
        .flat_map(|e| std::iter::once(e.0).chain(e.1.iter().copied()))
        .chain(PROSCRIBES.iter().flat_map(|e| e.1.iter().copied()))
        .chain(UNKNOWN_TYPES)
        .collect()
}

/// Everything reachable from `start` along `next`, `start` included.
fn closure(
    start: impl IntoIterator<Item = &'static str>,
    next: impl Fn(&str) -> Vec<&'static str>,
) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&'static str> = start.into_iter().collect();
    while let Some(x) = todo.pop() {
        if seen.insert(x) {
            todo.extend(next(x));
        }
    }
    seen
}

/// The anomalies `a` implies, `a` included (Elle's `all-implied-anomalies`).
pub(crate) fn implied(a: &'static str) -> BTreeSet<&'static str> {
    closure([a], |x| lookup(IMPLIES, x).to_vec())
}

/// Every anomaly that fails a check asked for `models` (their proscribed
/// anomalies, Elle's `anomalies-prohibited-by`) plus `extra` (Elle's
/// `:anomalies` option); both widened to every anomaly implying one of them.
pub(crate) fn prohibited(
    models: &[&'static str],
    extra: &[&'static str],
) -> BTreeSet<&'static str> {
    let implied_models = closure(models.iter().copied(), |m| {
        lookup(MODEL_IMPLIES, m).to_vec()
    });
    let direct = implied_models
        .iter()
        .flat_map(|m| lookup(PROSCRIBES, m).iter().copied())
        .chain(extra.iter().copied());
    closure(direct, |a| predecessors(IMPLIES, a))
}

/// The models that imply `model` (it included): all ruled out when it is.
pub(crate) fn implying_models(model: &'static str) -> BTreeSet<&'static str> {
    closure([model], |m| predecessors(MODEL_IMPLIES, m))
}

/// The models that `anomalies` rule out, with every model implying one of them.
fn impossible_models<'a>(anomalies: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'static str> {
    let known = all_anomalies();
    let start = anomalies
        .into_iter()
        .filter_map(|a| known.iter().copied().find(|&k| k == a));
    let present = closure(start, |a| lookup(IMPLIES, a).to_vec());
    let direct = PROSCRIBES
        .iter()
        .filter(|e| e.1.iter().any(|a| present.contains(a)))
        .map(|e| e.0);
    closure(direct, |m| predecessors(MODEL_IMPLIES, m))
}

/// The `*-cycle-exists` types among `types` that add nothing (Elle's
/// `remove-redundant-cycle-exists`): their model is already ruled out by the
/// other, specific, anomaly types.
pub(crate) fn redundant_exists(types: &[String]) -> Vec<String> {
    let exists = |t: &str| t.ends_with("-cycle-exists");
    let ruled_out = impossible_models(types.iter().map(String::as_str).filter(|t| !exists(t)));
    types
        .iter()
        .filter(|t| exists(t))
        .filter(|t| {
            canonical(t.trim_end_matches("-cycle-exists")).is_ok_and(|m| ruled_out.contains(m))
        })
        .map(|t| t.to_string())
        .collect()
}

/// Elle's boundary: the weakest models the anomalies rule out (`not`), and the
/// stronger ones also ruled out (`also-not`), both sorted.
pub(crate) fn boundary(anomalies: &[String]) -> (Vec<&'static str>, Vec<&'static str>) {
    let impossible = impossible_models(anomalies.iter().map(String::as_str));
    let weakest: Vec<&str> = impossible
        .iter()
        .copied()
        .filter(|m| {
            let below = closure([*m], |x| lookup(MODEL_IMPLIES, x).to_vec());
            !below.iter().any(|b| b != m && impossible.contains(b))
        })
        .collect();
    let rest = impossible
        .iter()
        .copied()
        .filter(|m| !weakest.contains(m))
        .collect();
    (weakest, rest)
}

#[cfg(test)]
mod tests;

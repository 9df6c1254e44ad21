//! Consistency models, the anomalies each rules out, and Elle's `not`/`also-not`.
//!
//! Three small tables, following the relations Elle documents (after Adya, Bailis,
//! Cerone and others): which anomaly implies which (a G0 is also a G1c, a G1c is a
//! G1...), which model implies which (strict-serializable implies serializable and
//! snapshot-isolation...), and which anomalies each model directly proscribes.
//! Everything else is a graph walk over them: the anomalies a set of models
//! forbids, the models a set of anomalies rules out, and the weakest of those
//! (`not`) versus the rest (`also-not`).

use std::collections::BTreeSet;

/// `a` implies each of `b`: finding `a` means `b` is present as well.
const IMPLIES: &[(&str, &[&str])] = &[
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
    ("G-single", &["G-nonadjacent", "G-single-process"]),
    (
        "G-single-process",
        &["G-nonadjacent-process", "G-single-realtime"],
    ),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
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
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["G2-item"]),
];

/// A history satisfying the first model also satisfies each of the second.
const MODEL_IMPLIES: &[(&str, &[&str])] = &[
    (
        "strict-serializable",
        &[
            "serializable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
        ],
    ),
    (
        "strong-session-serializable",
        &["serializable", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-read-committed"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["snapshot-isolation", "strong-session-read-committed"],
    ),
    (
        "strong-read-committed",
        &["strong-session-read-committed", "strong-read-uncommitted"],
    ),
    (
        "strong-session-read-committed",
        &["read-committed", "strong-session-read-uncommitted"],
    ),
    (
        "strong-read-uncommitted",
        &["strong-session-read-uncommitted"],
    ),
    ("strong-session-read-uncommitted", &["read-uncommitted"]),
    (
        "serializable",
        &[
            "repeatable-read",
            "snapshot-isolation",
            "update-serializable",
        ],
    ),
    ("update-serializable", &["forward-consistent-view"]),
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
    ("parallel-snapshot-isolation", &["causal-cerone", "ROLA"]),
    ("prefix", &["causal-cerone"]),
    ("ROLA", &["read-atomic"]),
    ("causal-cerone", &["read-atomic"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    (
        "repeatable-read",
        &["cursor-stability", "monotonic-atomic-view"],
    ),
    ("cursor-stability", &["read-committed"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["read-committed"]),
    ("monotonic-snapshot-read", &["read-committed"]),
    ("read-committed", &["read-uncommitted"]),
    ("read-uncommitted", &[]),
];

/// Anomalies each model rules out directly (weaker models' add to these).
const PROSCRIBES: &[(&str, &[&str])] = &[
    (
        "read-uncommitted",
        &["G0", "duplicate-elements", "cyclic-versions"],
    ),
    ("read-committed", &["G1"]),
    ("cursor-stability", &["G1", "lost-update"]),
    ("consistent-view", &["G1", "G-single"]),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    ("causal-cerone", &["internal", "G1a"]),
    ("prefix", &["internal", "G1a"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    ("ROLA", &["lost-update"]),
    ("repeatable-read", &["G1", "G2-item", "lost-update"]),
    ("snapshot-isolation", &["internal", "G1", "G-nonadjacent"]),
    ("serializable", &["internal", "G1", "G2"]),
    (
        "strict-serializable",
        &["G1", "G1c-realtime", "G2-realtime"],
    ),
    ("strong-session-read-uncommitted", &["G0-process"]),
    ("strong-session-read-committed", &["G1c-process"]),
    ("strong-read-uncommitted", &["G0-realtime"]),
    ("strong-read-committed", &["G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &["internal", "G1-process", "G-nonadjacent-process"],
    ),
    (
        "strong-snapshot-isolation",
        &["internal", "G1-realtime", "G-nonadjacent-realtime"],
    ),
    ("strong-session-serializable", &["G1-process", "G2-process"]),
];

/// Other names Elle accepts for the same model.
const ALIASES: &[(&str, &str)] = &[
    ("strong-serializable", "strict-serializable"),
    ("conflict-serializable", "serializable"),
    ("PL-3", "serializable"),
    ("PL-2", "read-committed"),
    ("PL-1", "read-uncommitted"),
    ("PL-SI", "snapshot-isolation"),
    ("PL-SS", "strict-serializable"),
    ("PL-2.99", "repeatable-read"),
];

fn lookup<'a>(table: &'a [(&str, &'a [&'a str])], key: &str) -> &'a [&'a str] {
    table
        .iter()
        .find(|e| e.0 == key)
        .map(|e| e.1)
        .unwrap_or(&[])
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

/// Everything reachable from `start` along `next`, `start` included.
fn closure<'a>(
    start: impl IntoIterator<Item = &'a str>,
    next: impl Fn(&str) -> Vec<&'a str>,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = start.into_iter().collect();
    while let Some(x) = todo.pop() {
        if seen.insert(x) {
            todo.extend(next(x));
        }
    }
    seen
}

/// Every anomaly whose presence would violate one of `models`.
pub(crate) fn prohibited(models: &[&'static str]) -> BTreeSet<&'static str> {
    let implied = closure(models.iter().copied(), |m| {
        lookup(MODEL_IMPLIES, m).to_vec()
    });
    let direct = implied
        .iter()
        .flat_map(|m| lookup(PROSCRIBES, m).iter().copied());
    // Plus every anomaly that implies a proscribed one.
    closure(direct, |a| {
        IMPLIES
            .iter()
            .filter(|e| e.1.contains(&a))
            .map(|e| e.0)
            .collect()
    })
}

/// Elle's boundary: the weakest models the anomalies rule out (`not`), and the
/// stronger ones also ruled out (`also-not`).
pub(crate) fn boundary(anomalies: &[String]) -> (Vec<&'static str>, Vec<&'static str>) {
    let present = closure(anomalies.iter().filter_map(|a| static_name(a)), |a| {
        lookup(IMPLIES, a).to_vec()
    });
    let direct = PROSCRIBES
        .iter()
        .filter(|e| e.1.iter().any(|a| present.contains(a)))
        .map(|e| e.0);
    // Ruled out: those models and every model implying them.
    let impossible = closure(direct, |m| {
        MODEL_IMPLIES
            .iter()
            .filter(|e| e.1.contains(&m))
            .map(|e| e.0)
            .collect()
    });
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

/// The static spelling of a known anomaly name.
fn static_name(a: &str) -> Option<&'static str> {
    IMPLIES
        .iter()
        .flat_map(|e| std::iter::once(e.0).chain(e.1.iter().copied()))
        .chain(PROSCRIBES.iter().flat_map(|e| e.1.iter().copied()))
        .find(|&n| n == a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_match_elle() {
        let table: &[(&str, &[&str], &[&str])] = &[
            (
                "G0",
                &["read-uncommitted"],
                &["read-committed", "serializable", "strict-serializable"],
            ),
            (
                "G1c",
                &["read-committed"],
                &["repeatable-read", "snapshot-isolation"],
            ),
            (
                "G-single",
                &["consistent-view"],
                &["snapshot-isolation", "serializable"],
            ),
            (
                "G2-item",
                &["repeatable-read"],
                &["serializable", "strict-serializable"],
            ),
            (
                "G-single-realtime",
                &["strong-snapshot-isolation"],
                &["strict-serializable"],
            ),
            ("G2-item-realtime", &["strict-serializable"], &[]),
        ];
        for (anomaly, not, also) in table {
            let (n, a) = boundary(&[anomaly.to_string()]);
            assert_eq!(&n, not, "{anomaly}");
            for m in *also {
                assert!(a.contains(m), "{anomaly}: {m} missing from {a:?}");
            }
            assert!(!a.contains(&"read-uncommitted") || *anomaly == "G0");
        }
        let (n, a) = boundary(&["G2-item".into()]);
        assert!(!n.contains(&"snapshot-isolation") && !a.contains(&"snapshot-isolation"));
    }

    #[test]
    fn prohibited_sets() {
        let si = prohibited(&["snapshot-isolation"]);
        assert!(si.contains("G-single") && si.contains("G1c") && si.contains("G0"));
        assert!(!si.contains("G2-item") && !si.contains("G-single-realtime"));
        let ss = prohibited(&["strict-serializable"]);
        for a in [
            "G2-item",
            "G-single-realtime",
            "G0-process",
            "G1a",
            "internal",
        ] {
            assert!(ss.contains(a), "{a}");
        }
        assert!(prohibited(&["read-uncommitted"]).contains("G0"));
        assert!(!prohibited(&["read-uncommitted"]).contains("G1c"));
        assert_eq!(canonical("strong-serializable"), Ok("strict-serializable"));
        assert!(canonical("bogus")
            .unwrap_err()
            .contains("unknown consistency model"));
    }
}

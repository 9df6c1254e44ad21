//! `not` / `also-not` and prohibited sets, derived by hand from Elle's tables.

use super::*;

fn names(v: &[&str]) -> Vec<&'static str> {
    v.iter().map(|s| anomaly_or_model(s)).collect()
}

fn anomaly_or_model(s: &str) -> &'static str {
    canonical(s).or_else(|_| anomaly(s)).unwrap()
}

#[test]
fn boundaries_match_elle() {
    type Case = (
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    );
    let table: &[Case] = &[
        (
            "G2-item",
            &["repeatable-read"],
            &[
                "serializable",
                "strict-serializable",
                "strong-session-serializable",
            ],
        ),
        (
            "G-single-item",
            &["consistent-view", "repeatable-read"],
            &[
                "forward-consistent-view",
                "serializable",
                "snapshot-isolation",
                "strict-serializable",
                "strong-session-serializable",
                "strong-session-snapshot-isolation",
                "strong-snapshot-isolation",
                "update-serializable",
            ],
        ),
        ("G2-item-realtime", &["strict-serializable"], &[]),
        (
            "G-single-item-realtime",
            &["strong-snapshot-isolation"],
            &["strict-serializable"],
        ),
        ("empty-transaction-graph", &[], &[]),
    ];
    for (a, not, also) in table {
        let (n, rest) = boundary(&[a.to_string()]);
        assert_eq!(n, names(not), "{a}: not");
        assert_eq!(rest, names(also), "{a}: also-not");
    }
    let (n, rest) = boundary(&["G0".into()]);
    assert_eq!(n, vec!["read-uncommitted"]);
    assert!(rest.contains(&"read-committed") && rest.contains(&"strict-serializable"));
    let (n, _) = boundary(&["G1c".into()]);
    assert_eq!(n, vec!["read-committed"]);
    // Write skew is fine under snapshot isolation.
    let (n, rest) = boundary(&["G2-item".into()]);
    assert!(!n.contains(&"snapshot-isolation") && !rest.contains(&"snapshot-isolation"));
}

#[test]
fn prohibited_sets() {
    let si = prohibited(&["snapshot-isolation"], &[]);
    for a in [
        "G-single-item",
        "G-nonadjacent-item",
        "G1c",
        "G0",
        "internal",
    ] {
        assert!(si.contains(a), "{a}");
    }
    assert!(!si.contains("G2-item") && !si.contains("G-single-item-realtime"));
    let ss = prohibited(&["strict-serializable"], &[]);
    for a in [
        "G2-item",
        "G-single-item-realtime",
        "G0-process",
        "G1a",
        "internal",
    ] {
        assert!(ss.contains(a), "{a}");
    }
    let ru = prohibited(&["read-uncommitted"], &[]);
    assert!(ru.contains("G0") && !ru.contains("G1c"));
    // A G-single-item history is not repeatable-read.
    assert!(prohibited(&["repeatable-read"], &[]).contains("G-single-item"));
    // Elle's :anomalies, with no models: the anomaly and all that imply it.
    let only = prohibited(&[], &["G1"]);
    assert!(only.contains("G1a") && only.contains("G0") && only.contains("future-read"));
    assert!(!only.contains("G2-item") && !only.contains("G1-process"));
    assert_eq!(canonical("strong-serializable"), Ok("strict-serializable"));
    assert_eq!(canonical(":PL-2"), Ok("read-committed"));
    assert!(canonical("bogus")
        .unwrap_err()
        .contains("unknown consistency model"));
    assert!(anomaly("G-bogus").unwrap_err().contains("unknown anomaly"));
    assert_eq!(anomaly(":G1c"), Ok("G1c"));
}

#[test]
fn cycle_exists_cases_are_redundant_once_a_specific_anomaly_rules_their_model_out() {
    // Elle's remove-redundant-cycle-exists, by its own examples of what implies what.
    let r =
        |types: &[&str]| redundant_exists(&types.iter().map(|t| t.to_string()).collect::<Vec<_>>());
    assert_eq!(r(&["G2-item", "PL-3-cycle-exists"]), ["PL-3-cycle-exists"]);
    assert_eq!(r(&["G1c", "PL-2-cycle-exists"]), ["PL-2-cycle-exists"]);
    // A G2-item rules out serializable, not read-committed.
    assert!(r(&["G2-item", "PL-2-cycle-exists"]).is_empty());
    // The timeout alone rules nothing out.
    assert!(r(&["cycle-search-timeout", "PL-1-cycle-exists"]).is_empty());
    assert_eq!(
        r(&[
            "G0-realtime",
            "strong-PL-1-cycle-exists",
            "PL-SS-cycle-exists"
        ]),
        ["strong-PL-1-cycle-exists", "PL-SS-cycle-exists"]
    );
    // Each cycle-exists type rules out its own model.
    let (not, _) = boundary(&["PL-2.99-cycle-exists".to_string()]);
    assert_eq!(not, ["repeatable-read"]);
    let (not, _) = boundary(&["strong-session-PL-2-cycle-exists".to_string()]);
    assert_eq!(not, ["strong-session-read-committed"]);
}

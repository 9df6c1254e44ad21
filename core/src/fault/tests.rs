use super::*;
use crate::op::OpType;
use serde_json::json;

fn op(time: u64, kind: OpType, process: Process, f: &str, value: Value) -> Op {
    let mut o = Op::invoke(process, f, value);
    o.time = time;
    o.kind = kind;
    o
}

#[test]
fn pairs_starts_and_stops_per_kind() {
    use OpType::{Info, Invoke, Ok};
    let n = || Process::Nemesis;
    let h = vec![
        op(10, Invoke, n(), "start-partition", json!("one")),
        op(12, Invoke, Process::Client(0), "kill", json!(null)),
        op(
            15,
            Info,
            n(),
            "start-partition",
            json!({"n1": ["n2"], "n2": ["n1"]}),
        ),
        op(20, Invoke, n(), "kill", json!("one")),
        op(25, Info, n(), "kill", json!({"n3": "killed"})),
        op(30, Ok, Process::Client(0), "kill", json!(null)),
        op(40, Invoke, n(), "stop-partition", json!(null)),
        op(45, Info, n(), "stop-partition", json!({"n1": "healed"})),
        op(50, Invoke, n(), "start-packet", json!({"targets": "all"})),
    ];
    let got = fault_intervals(&h, &FaultBook::builtin());
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(
        got[0],
        FaultInterval {
            kind: "partition".into(),
            start: 10,
            stop: Some(45),
            value: json!({"n1": ["n2"], "n2": ["n1"]})
        }
    );
    assert_eq!(
        got[1],
        FaultInterval {
            kind: "kill".into(),
            start: 20,
            stop: None,
            value: json!({"n3": "killed"})
        }
    );
    assert_eq!(got[2].kind, "packet");
    assert_eq!(
        got[2].value,
        json!({"targets": "all"}),
        "no completion: invoke value"
    );
    let text = serde_json::to_string(&got[1]).unwrap();
    let mut failed = op(
        61,
        Info,
        n(),
        "start-packet",
        json!({"nodes": {"n1": "failed to x"}}),
    );
    failed.error = Some(json!({"n1": "failed to x"}));
    let mut partly = op(
        71,
        Info,
        n(),
        "kill",
        json!({"n1": "killed", "n2": "failed to y"}),
    );
    partly.error = Some(json!({"n2": "failed to y"}));
    let mut refused = op(81, Info, n(), "start-partition", json!("ring"));
    refused.error = Some(json!("failed to build a ring partition"));
    let more = [
        op(60, Invoke, n(), "start-packet", json!({})),
        failed,
        op(70, Invoke, n(), "kill", json!("majority")),
        partly,
        op(80, Invoke, n(), "start-partition", json!("ring")),
        refused,
    ];
    let h2: Vec<Op> = h.iter().cloned().chain(more).collect();
    let kinds: Vec<(String, u64)> = fault_intervals(&h2, &FaultBook::builtin())
        .into_iter()
        .map(|iv| (iv.kind, iv.start))
        .collect();
    let want = [
        ("partition", 10),
        ("kill", 20),
        ("packet", 50),
        ("kill", 70),
    ];
    assert_eq!(
        kinds,
        want.map(|(k, t)| (k.to_string(), t)),
        "failed starts open nothing"
    );
    assert_eq!(
        text,
        r#"{"kind":"kill","start":20,"stop":null,"value":{"n3":"killed"}}"#
    );
}

/// A fault whose `f`s follow no `start-X`/`stop-X` pattern is paired by its
/// spec alone; a name the book does not know is no fault.
#[test]
fn pairs_by_spec_not_by_prefix() {
    use OpType::{Info, Invoke};
    let n = || Process::Nemesis;
    let clock = FaultSpec::new(
        "clock",
        &["bump-clock", "strobe-clock"],
        &["reset-clock"],
        5,
        "#000000",
    );
    let book = FaultBook::new(vec![clock]);
    let h = vec![
        op(1, Invoke, n(), "bump-clock", json!({"n1": 100})),
        op(2, Info, n(), "bump-clock", json!({"n1": 100})),
        op(3, Invoke, n(), "start-partition", json!("one")),
        op(4, Info, n(), "start-partition", json!({"n1": []})),
        op(5, Invoke, n(), "strobe-clock", json!(null)),
        op(6, Info, n(), "strobe-clock", json!({"n2": "strobed"})),
        op(7, Invoke, n(), "reset-clock", json!(null)),
        op(9, Info, n(), "reset-clock", json!(null)),
    ];
    let got = fault_intervals(&h, &book);
    let spans: Vec<(&str, u64, Option<u64>)> = got
        .iter()
        .map(|i| (i.kind.as_str(), i.start, i.stop))
        .collect();
    assert_eq!(spans, [("clock", 1, Some(9)), ("clock", 5, Some(9))]);
    assert!(fault_intervals(&h, &FaultBook::builtin())
        .iter()
        .all(|i| i.kind == "partition"));
}

#[test]
fn book_looks_up_edges_and_heal_order() {
    let book = FaultBook::builtin();
    let (s, e) = book.edge("start").unwrap();
    assert_eq!((s.name.as_str(), e), ("kill", Edge::Stop));
    assert_eq!(book.edge(":pause").unwrap().0.name, "pause");
    assert!(
        book.edge("start-clock").is_none(),
        "no guessing from prefixes"
    );
    let order: Vec<&str> = book.heal_order().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        order,
        [
            "freeze",
            "partition",
            "proxy-partition",
            "proxy-reset",
            "proxy-delay",
            "proxy-bandwidth",
            "pause",
            "kill",
            "packet"
        ],
        "a frozen node first (it answers nothing), the network (iptables, then the proxies) before the processes"
    );
}

#[test]
fn results_json_round_trips_specs_and_falls_back() {
    let specs = vec![FaultSpec::new(
        "clock",
        &["bump-clock"],
        &["reset-clock"],
        5,
        "#123456",
    )];
    let results = json!({"nemesis-faults": serde_json::to_value(&specs).unwrap()});
    let book = FaultBook::from_results(Some(&results)).unwrap();
    assert_eq!(book.specs(), specs.as_slice());
    assert_eq!(
        FaultBook::from_results(Some(&json!({}))).unwrap(),
        FaultBook::builtin()
    );
    assert_eq!(FaultBook::from_results(None).unwrap(), FaultBook::builtin());
    let bad = json!({"nemesis-faults": [{"name": "x"}]});
    let err = FaultBook::from_results(Some(&bad)).unwrap_err();
    assert!(err.contains("nemesis-faults"), "{err}");
}

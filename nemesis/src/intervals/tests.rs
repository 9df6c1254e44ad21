use super::*;
use rjepsen_core::op::OpType;
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
    let got = fault_intervals(&h);
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
    let kinds: Vec<(String, u64)> = fault_intervals(&h2)
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

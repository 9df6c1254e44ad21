use super::*;
use rjepsen_core::Process;
use serde_json::json;

fn op(time: u64, kind: OpType, process: Process, f: &str) -> Op {
    let mut o = Op::invoke(process, f, json!(null));
    o.kind = kind;
    o.time = time;
    o
}

fn nem(time: u64, kind: OpType, f: &str) -> Op {
    op(time, kind, Process::Nemesis, f)
}

#[test]
fn pairs_faults_by_kind_from_start_invocation_to_stop_completion() {
    use OpType::*;
    let ops = vec![
        nem(10, Invoke, "start-partition"),
        nem(12, Info, "start-partition"),
        nem(15, Invoke, "kill"),
        nem(16, Info, "kill"),
        nem(20, Invoke, "stop-partition"),
        nem(21, Info, "stop-partition"),
        nem(30, Invoke, "start"),
        nem(31, Info, "start"),
        nem(40, Invoke, "pause"),
    ];
    let got: Vec<_> = intervals(None, &ops, &FaultBook::builtin())
        .into_iter()
        .map(|i| (i.kind, i.start, i.stop))
        .collect();
    let want = vec![
        ("partition".to_string(), 10, Some(21)),
        ("kill".to_string(), 15, Some(31)),
        ("pause".to_string(), 40, None),
    ];
    assert_eq!(got, want);
}

#[test]
fn results_intervals_win_over_history() {
    let results = json!({"nemesis-intervals": [
        {"kind": "clock", "start": 5, "stop": null, "value": 3}
    ]});
    let ops = vec![
        nem(0, OpType::Invoke, "start-partition"),
        nem(1, OpType::Info, "start-partition"),
    ];
    let book = FaultBook::builtin();
    let got = intervals(Some(&results), &ops, &book);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].kind.as_str(), got[0].start, got[0].stop),
        ("clock", 5, None)
    );
    assert_eq!(intervals(None, &ops, &book)[0].kind, "partition");
}

/// A run's recorded specs decide what is a fault and its colour: `bump-clock`/
/// `reset-clock` make a `clock` interval, and `start-partition` (not in this
/// run's specs) makes none. A run without specs falls back to the built-in ones.
#[test]
fn recorded_specs_decide_faults_and_colours() {
    use OpType::*;
    let results = json!({"nemesis-faults": [
        {"name": "clock", "start": ["bump-clock"], "stop": ["reset-clock"], "heal_rank": 5, "colour": "#123456"}
    ]});
    let book = fault_book(Some(&results)).unwrap();
    let ops = vec![
        nem(1, Invoke, "bump-clock"),
        nem(2, Info, "bump-clock"),
        nem(3, Invoke, "start-partition"),
        nem(4, Info, "start-partition"),
        nem(5, Invoke, "reset-clock"),
        nem(6, Info, "reset-clock"),
    ];
    let got = intervals(None, &ops, &book);
    let spans: Vec<_> = got
        .iter()
        .map(|i| (i.kind.as_str(), i.start, i.stop, i.colour.as_str()))
        .collect();
    assert_eq!(spans, [("clock", 1, Some(6), "#123456")]);
    let old = intervals(None, &ops, &fault_book(Some(&json!({}))).unwrap());
    assert_eq!(
        old.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>(),
        ["partition"]
    );
    let bad = json!({"nemesis-faults": "clock"});
    assert!(fault_book(Some(&bad))
        .unwrap_err()
        .contains("nemesis-faults"));
}

#[test]
fn quantiles_per_f_in_milliseconds() {
    let mut lats = Vec::new();
    for i in 1..=100u64 {
        let outcome = if i % 10 == 0 {
            OpType::Fail
        } else {
            OpType::Ok
        };
        let f = "read".to_string();
        lats.push(Latency {
            f,
            outcome,
            invoked: 0,
            nanos: i * 1_000_000,
        });
    }
    lats.push(Latency {
        f: "write".into(),
        outcome: OpType::Info,
        invoked: 0,
        nanos: 7_000_000,
    });
    let q = quantiles(&lats);
    assert_eq!(q.len(), 2);
    let read = &q[0];
    assert_eq!(
        (read.f.as_str(), read.count, read.ok, read.fail),
        ("read", 100, 90, 10)
    );
    assert!((read.p50 - 50.0).abs() < 0.1, "p50 {}", read.p50);
    assert!((read.p95 - 95.0).abs() < 0.1, "p95 {}", read.p95);
    assert!((read.p99 - 99.0).abs() < 0.1, "p99 {}", read.p99);
    assert!((read.max - 100.0).abs() < 0.1, "max {}", read.max);
    assert_eq!((q[1].info, q[1].count), (1, 1));
}

#[test]
fn throughput_buckets_completions_per_second() {
    use OpType::*;
    let c = Process::Client(0);
    let ops = vec![
        op(0, Invoke, c.clone(), "read"),
        op(500_000_000, Ok, c.clone(), "read"),
        op(1_200_000_000, Fail, c.clone(), "read"),
        op(1_300_000_000, Info, c.clone(), "read"),
        op(1_400_000_000, Info, Process::Nemesis, "kill"),
    ];
    assert_eq!(throughput(&ops, 1_400_000_000), vec![[1, 0, 0], [0, 1, 1]]);
    // One count for the terminal and the report: client ops only (the nemesis's
    // `info` is a fault, drawn as an interval).
    let counts = rjepsen_core::OpCounts::of(&ops).by_type();
    assert_eq!(counts.map(|c| c.1), [1, 1, 1, 1]);
}

use super::*;
use rjepsen_core::OpType;
use serde_json::json;

fn op(index: u64, time: u64, kind: OpType, process: Process, f: &str, value: Value) -> Op {
    let mut o = Op::invoke(process, f, value);
    o.index = index;
    o.time = time;
    o.kind = kind;
    o
}

/// A client op invoked before, one inside and one straddling the end of a
/// partition, and a kill that is never stopped.
fn history() -> Vec<Op> {
    use OpType::*;
    let n = || Process::Nemesis;
    let c = Process::Client;
    vec![
        op(0, 10, Invoke, c(0), "read", json!(null)),
        op(1, 100, Invoke, n(), "start-partition", json!("one")),
        op(
            2,
            120,
            Info,
            n(),
            "start-partition",
            json!({"n1": ["n2", "n3"], "n2": ["n1"], "n3": ["n1"]}),
        ),
        op(3, 150, Ok, c(0), "read", json!(3)),
        op(4, 200, Invoke, c(1), "write", json!(4)),
        op(5, 250, Invoke, c(0), "read", json!(null)),
        op(6, 300, Invoke, n(), "stop-partition", json!(null)),
        op(7, 310, Ok, c(1), "write", json!(4)),
        op(8, 320, Info, n(), "stop-partition", json!({"n1": "healed"})),
        op(9, 330, Ok, c(0), "read", json!(4)),
        op(10, 400, Invoke, n(), "kill", json!(["n2"])),
        op(11, 410, Info, n(), "kill", json!({"n2": "killed"})),
        op(12, 500, Invoke, c(2), "read", json!(null)),
    ]
}

/// fault_id, kind, start, end, nodes, src, dst.
type Row<'a> = (
    usize,
    &'a str,
    u64,
    u64,
    String,
    Option<&'a str>,
    Option<&'a str>,
);

#[test]
fn a_grudge_is_one_row_per_link_and_a_kill_one_row() {
    let got = labels(&history(), &FaultBook::builtin());
    let rows: Vec<Row> = got
        .iter()
        .map(|l| {
            let (s, d) = (l.src.as_deref(), l.dst.as_deref());
            (
                l.fault_id,
                l.kind.as_str(),
                l.start_ns,
                l.end_ns,
                l.nodes.join(";"),
                s,
                d,
            )
        })
        .collect();
    let p = |s, d| {
        (
            0,
            "partition",
            120,
            300,
            "n1;n2;n3".to_string(),
            Some(s),
            Some(d),
        )
    };
    assert_eq!(
        rows,
        vec![
            p("n1", "n2"),
            p("n1", "n3"),
            p("n2", "n1"),
            p("n3", "n1"),
            // Never stopped: it ends with the history.
            (1, "kill", 410, 500, "n2".to_string(), None, None),
        ]
    );
}

#[test]
fn ops_are_under_the_faults_in_force_when_invoked() {
    let h = history();
    let wins: Vec<Window> = windows(&h, &FaultBook::builtin())
        .into_iter()
        .map(|(w, _)| w)
        .collect();
    let ids = fault_ids_per_op(&h, &wins);
    let none: Vec<usize> = vec![];
    // A completion takes its invocation's faults: the read invoked at 10 is
    // not under the partition though it completed inside it. The windows run
    // from the start's completion (120, 410) to the stop's invocation (300):
    // the start ops themselves are outside, the stop op inside.
    let want = [
        none.clone(),
        none.clone(),
        none.clone(),
        none.clone(),
        vec![0],
        vec![0],
        vec![0],
        vec![0],
        vec![0],
        vec![0],
        none.clone(),
        none.clone(),
        vec![1],
    ];
    assert_eq!(ids, want);
}

#[test]
fn a_start_that_failed_everywhere_is_no_label() {
    let mut h = history();
    h[2].error = Some(json!({"n1": "unreachable", "n2": "unreachable", "n3": "unreachable"}));
    h[2].value = json!({"n1": ["n2"]});
    let got = labels(&h, &FaultBook::builtin());
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].fault_id, got[0].kind.as_str()), (0, "kill"));
}

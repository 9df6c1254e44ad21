//! Histories as Elle accepts them: EDN ops without `:f` or `:process`, only
//! completions (no invocations), one EDN vector, `[:r :x]` reads of unknown
//! value; and a torn final line (the control node died mid-write), which is
//! dropped with a warning while a malformed line elsewhere stays an error.
//! Each through both readers: the streaming JSON Lines one and core's.

use super::elle::types;
use rjepsen_checkers::elle::ElleChecker;
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{Checker, History, Valid};

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rjepsen-elle-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn checker(models: &[&str]) -> ElleChecker {
    let m: Vec<String> = models.iter().map(|s| s.to_string()).collect();
    ElleChecker::new("list-append", &m).unwrap()
}

#[test]
fn completions_without_f_process_or_invocation_in_one_vector() {
    // Circular information flow, written as Elle's own test histories are.
    let edn = "[{:type :ok, :value [[:append :x 1] [:r :y [1]]]}\n \
               {:type :ok, :value [[:append :y 1] [:r :x [1]]]}]\n";
    let path = temp("g1c.edn", edn);
    let r = checker(&[])
        .try_check_file(&CheckContext::default(), &path)
        .unwrap();
    assert_eq!(types(&r), vec!["G1c"], "{:?}", r.details);
    assert_eq!(r.valid, Valid::Invalid);
    // Without invocations nothing is known about real time: a read that misses
    // an earlier-listed append is no stale read (Elle says valid).
    let edn = "{:type :ok, :value [[:append :x 1]]}\n{:type :ok, :value [[:r :x []]]}\n";
    let path = temp("order.edn", edn);
    let r = checker(&[])
        .try_check_file(&CheckContext::default(), &path)
        .unwrap();
    assert_eq!(r.valid, Valid::Valid, "{:?}", r.details);
    // The same as JSON Lines, streamed.
    let jsonl = "{\"type\":\"ok\",\"value\":[[\"append\",\"x\",1],[\"r\",\"y\",[1]]]}\n\
                 {\"type\":\"ok\",\"value\":[[\"append\",\"y\",1],[\"r\",\"x\",[1]]]}\n";
    let path = temp("g1c.jsonl", jsonl);
    let r = checker(&[])
        .try_check_file(&CheckContext::default(), &path)
        .unwrap();
    assert_eq!(types(&r), vec!["G1c"], "{:?}", r.details);
}

#[test]
fn two_element_reads_are_reads_of_unknown_value() {
    let edn = "{:type :invoke, :f :txn, :process 0, :value [[:r :x] [:append :y 1]]}\n\
               {:type :invoke, :f :txn, :process 1, :value [[:r :y] [:append :x 1]]}\n\
               {:type :ok, :f :txn, :process 0, :value [[:r :x []] [:append :y 1]]}\n\
               {:type :ok, :f :txn, :process 1, :value [[:r :y []] [:append :x 1]]}\n\
               {:type :invoke, :f :txn, :process 2, :value [[:r :x] [:r :y]]}\n\
               {:type :info, :f :txn, :process 2, :value [[:r :x] [:r :y]]}\n";
    let path = temp("skew.edn", edn);
    let c = checker(&["serializable"]);
    let r = c.try_check_file(&CheckContext::default(), &path).unwrap();
    assert_eq!(types(&r), vec!["G2-item"], "{:?}", r.details);
    let ops = rjepsen_core::history::read_edn(&path).unwrap();
    let via = c.check(&CheckContext::default(), &History::new(ops));
    assert_eq!(via.details["anomalies"], r.details["anomalies"]);
}

#[test]
fn a_torn_final_line_is_dropped_and_the_rest_checked() {
    let g1c = "{\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"x\",1],[\"r\",\"y\",null]]}\n\
               {\"type\":\"invoke\",\"process\":1,\"f\":\"txn\",\"value\":[[\"append\",\"y\",1],[\"r\",\"x\",null]]}\n\
               {\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\"x\",1],[\"r\",\"y\",[1]]]}\n\
               {\"type\":\"ok\",\"process\":1,\"f\":\"txn\",\"value\":[[\"append\",\"y\",1],[\"r\",\"x\",[1]]]}\n";
    let torn = format!("{g1c}{{\"type\":\"invoke\",\"process\":2,\"f\":\"tx");
    let path = temp("torn.jsonl", &torn);
    let r = checker(&[])
        .try_check_file(&CheckContext::default(), &path)
        .unwrap();
    assert_eq!(types(&r), vec!["G1c"], "{:?}", r.details);
    let ops = rjepsen_core::history::read_history(&path).unwrap();
    assert_eq!(ops.len(), 4);
    // A malformed line that is not the last, or a whole last line, is an error.
    let lines: Vec<&str> = g1c.lines().collect();
    let middle = format!("{}\n{{\"type\":\n{}\n", lines[0], lines[1..].join("\n"));
    let path = temp("middle.jsonl", &middle);
    let e = checker(&[])
        .try_check_file(&CheckContext::default(), &path)
        .unwrap_err();
    assert!(e.contains("line 2"), "{e}");
    let e = rjepsen_core::history::read_history(&path)
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2"), "{e}");
    let whole = format!("{g1c}{{\"type\":\n");
    let path = temp("whole.jsonl", &whole);
    let e = checker(&[])
        .try_check_file(&CheckContext::default(), &path)
        .unwrap_err();
    assert!(e.contains("line 5"), "{e}");
    // EDN alike.
    let edn = "{:type :ok, :value [[:append :x 1] [:r :y [1]]]}\n\
               {:type :ok, :value [[:append :y 1] [:r :x [1]]]}\n{:type :ok, :val";
    let path = temp("torn.edn", edn);
    let r = checker(&[])
        .try_check_file(&CheckContext::default(), &path)
        .unwrap();
    assert_eq!(types(&r), vec!["G1c"], "{:?}", r.details);
}

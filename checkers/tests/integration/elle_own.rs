//! Elle's own histories, checked against the verdicts Elle's own tests assert
//! (`jepsen-io/elle`: `test/elle/list_append_test.clj`, `rw_register_test.clj`,
//! elle-cli's `test.sh`): the anomaly types and the `not` set must be Elle's.
//! Three are Elle's files (fixtures/elle/jepsen-elle, EPL-2.0, see its README);
//! the rest are Elle's test histories written out here in EDN as Elle's test
//! helpers build them (`op "rxay1"` is an ok txn of process 0 reading x with no
//! value and appending 1 to y; `pair` adds its invocation, reads as nil).

use rjepsen_checkers::elle::{ElleChecker, ElleOptions};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{CheckResult, Valid};
use serde_json::json;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/elle/jepsen-elle")
        .join(name)
}

fn opts(models: Option<&[&str]>, anomalies: &[&str]) -> ElleOptions {
    ElleOptions {
        consistency_models: models.map(|m| m.iter().map(|s| s.to_string()).collect()),
        anomalies: anomalies.iter().map(|s| s.to_string()).collect(),
        ..ElleOptions::default()
    }
}

fn check_file(workload: &str, o: &ElleOptions, path: &Path) -> CheckResult {
    ElleChecker::with_options(workload, o)
        .unwrap()
        .try_check_file(&CheckContext::default(), path)
        .unwrap()
}

/// Checks EDN lines as a history file.
fn check(workload: &str, o: &ElleOptions, lines: &[String]) -> CheckResult {
    let dir = std::env::temp_dir().join(format!("rjepsen-elle-own-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("h{n}.edn"));
    std::fs::write(&path, lines.join("\n")).unwrap();
    let r = check_file(workload, o, &path);
    std::fs::remove_file(&path).ok();
    r
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Elle's `op`: an ok txn of process 0.
fn op(txn: &str) -> String {
    op_as(0, "ok", txn)
}

fn op_as(process: u64, kind: &str, txn: &str) -> String {
    format!("{{:time 0, :process {process}, :type :{kind}, :f :txn, :value {txn}}}")
}

/// Elle's `pair`: the invocation (reads as nil) and the completion.
fn pair(process: u64, invoke: &str, ok: &str) -> [String; 2] {
    [op_as(process, "invoke", invoke), op_as(process, "ok", ok)]
}

/// Elle's defaults (`{}`): strict serializability.
fn defaults() -> ElleOptions {
    opts(Some(&[]), &[])
}

fn expect(r: &CheckResult, valid: Valid, types: &[&str], not: &[&str]) {
    assert_eq!(r.valid, valid, "{:?}", r.details);
    assert_eq!(r.details["anomaly-types"], json!(types), "{:?}", r.details);
    if valid != Valid::Valid {
        assert_eq!(r.details["not"], json!(not), "{:?}", r.details);
    }
}

#[test]
fn elles_history_files() {
    let la = "list-append";
    let r = check_file(
        la,
        &opts(Some(&["snapshot-isolation", "repeatable-read"]), &[]),
        &fixture("si-without-g-single.edn"),
    );
    expect(&r, Valid::Invalid, &["G2-item"], &["repeatable-read"]);
    let paper = fixture("paper-example.edn");
    assert_eq!(check_file(la, &defaults(), &paper).valid, Valid::Invalid);
    // elle-cli's test.sh expects exit 0 (valid) for `--anomalies
    // G-single-process --consistency-models linearizable`. We find a
    // G-single-item (which implies G-single-process) through Elle's rule for
    // appends no read observed (T7's append of 3 to 256 follows 4, the highest
    // element read; see Elle's unobserved-write-test, in the next test), which
    // the Elle that test ran on did not apply. docs/elle.md, Known gaps.
    let only = opts(Some(&["linearizable"]), &["G-single-process"]);
    let r = check_file(la, &only, &paper);
    let cv_rr = ["consistent-view", "repeatable-read"];
    expect(&r, Valid::Invalid, &["G-single-item"], &cv_rr);
    let lin = ElleOptions {
        linearizable_keys: true,
        ..opts(Some(&["strong-snapshot-isolation"]), &[])
    };
    let r = check_file("rw-register", &lin, &fixture("cyclic-versions.edn"));
    assert_eq!(r.valid, Valid::Valid, "{:?}", r.details);
}

#[test]
fn elles_list_append_tests() {
    let la = "list-append";
    // repeatable-read-test: two anti-dependencies, G2-item.
    let h = [
        op("[[:r :x] [:append :y 1]]"),
        op("[[:r :y] [:append :x 1]]"),
    ];
    let r = check(la, &opts(Some(&["read-committed"]), &[]), &h);
    expect(&r, Valid::Valid, &[], &[]);
    let r = check(la, &opts(Some(&["repeatable-read"]), &[]), &h);
    expect(&r, Valid::Invalid, &["G2-item"], &["repeatable-read"]);
    // rr-g-single-item-test.
    let h: Vec<String> = [
        pair(
            0,
            "[[:append :x 1] [:append :y 1]]",
            "[[:append :x 1] [:append :y 1]]",
        ),
        pair(0, "[[:r :x nil] [:r :y nil]]", "[[:r :x [1]] [:r :y]]"),
    ]
    .concat();
    let r = check(la, &opts(Some(&["repeatable-read"]), &[]), &h);
    expect(
        &r,
        Valid::Invalid,
        &["G-single-item"],
        &["consistent-view", "repeatable-read"],
    );
    // rr-g-nonadjacent-item-test.
    let h: Vec<String> = [
        pair(
            0,
            "[[:append :x 1] [:append :t 1]]",
            "[[:append :x 1] [:append :t 1]]",
        ),
        pair(0, "[[:r :x nil] [:r :y nil]]", "[[:r :x [1]] [:r :y]]"),
        pair(
            0,
            "[[:append :y 1] [:append :z 2]]",
            "[[:append :y 1] [:append :z 2]]",
        ),
        pair(0, "[[:r :z nil] [:r :t nil]]", "[[:r :z [2]] [:r :t]]"),
    ]
    .concat();
    let r = check(la, &opts(Some(&["repeatable-read"]), &[]), &h);
    let rr_si = ["repeatable-read", "snapshot-isolation"];
    expect(&r, Valid::Invalid, &["G-nonadjacent-item"], &rr_si);
    // G-nonadjacent-test, with Elle's defaults; and adjacent rw edges under SI.
    let h: Vec<String> = [
        pair(0, "[[:append :x 1]]", "[[:append :x 1]]"),
        pair(0, "[[:r :x nil] [:r :y nil]]", "[[:r :x [1]] [:r :y]]"),
        pair(0, "[[:append :y 1]]", "[[:append :y 1]]"),
        pair(0, "[[:r :y nil] [:r :x nil]]", "[[:r :y [1]] [:r :x]]"),
    ]
    .concat();
    let r = check(la, &defaults(), &h);
    expect(&r, Valid::Invalid, &["G-nonadjacent-item"], &rr_si);
    let h: Vec<String> = [
        (
            "[[:r :x nil] [:append :y 1]]",
            "[[:r :x [5]] [:append :y 1]]",
        ),
        ("[[:r :y nil] [:append :z 2]]", "[[:r :y] [:append :z 2]]"),
        ("[[:r :z nil] [:append :t 3]]", "[[:r :z] [:append :t 3]]"),
        (
            "[[:r :t nil] [:append :u 4]]",
            "[[:r :t [3]] [:append :u 4]]",
        ),
        ("[[:r :u nil] [:append :x 5]]", "[[:r :u] [:append :x 5]]"),
    ]
    .iter()
    .flat_map(|(i, o)| pair(0, i, o))
    .collect();
    let r = check(la, &opts(Some(&["snapshot-isolation"]), &[]), &h);
    expect(&r, Valid::Valid, &[], &[]);
}

#[test]
fn more_of_elles_list_append_tests() {
    let la = "list-append";
    // unobserved-write-test: five invocations, then five completions.
    let txns = [
        "[[:append :x 1] [:append :y 1]]",
        "[[:append :x 2] [:append :y 2]]",
        "[[:append :x 3] [:append :y 3]]",
    ];
    let mut h: Vec<String> = txns.iter().map(|t| op_as(0, "invoke", t)).collect();
    h.push(op_as(0, "invoke", "[[:r :x nil]]"));
    h.push(op_as(0, "invoke", "[[:r :y nil]]"));
    h.extend(txns.iter().map(|t| op(t)));
    h.push(op("[[:r :x [1 2]]]"));
    h.push(op("[[:r :y [2]]]"));
    let r = check(la, &opts(Some(&["serializable"]), &[]), &h);
    expect(
        &r,
        Valid::Invalid,
        &["G-single-item", "G0"],
        &["read-uncommitted"],
    );
    // wr-process-test: a two-element read, and process order.
    let h = [
        "{:process 1, :type :invoke, :f :txn, :value [[:r :x] [:append :y 1]], :index 0}",
        "{:process 1, :type :ok, :f :txn, :value [[:r :x [1]] [:append :y 1]], :index 1}",
        "{:process 2, :type :invoke, :f :txn, :value [[:r :y]], :index 2}",
        "{:process 2, :type :ok, :f :txn, :value [[:r :y [1]]], :index 3}",
        "{:process 2, :type :invoke, :f :txn, :value [[:append :x 1]], :index 4}",
        "{:process 2, :type :ok, :f :txn, :value [[:append :x 1]], :index 5}",
    ]
    .map(String::from);
    let r = check(
        la,
        &opts(Some(&["strong-session-snapshot-isolation"]), &[]),
        &h,
    );
    let ssrc = ["strong-session-read-committed"];
    expect(&r, Valid::Invalid, &["G1c-process"], &ssrc);
    // future-read-test.
    let t = "[[:r :x [1]] [:append :x 1]]";
    let h = [op_as(0, "invoke", t), op(t)];
    let r = check(la, &opts(Some(&["read-committed"]), &[]), &h);
    let types = ["empty-transaction-graph", "future-read"];
    expect(&r, Valid::Invalid, &types, &["read-committed"]);
    // checker-test G0, and the internal consistency case, with no models.
    let h = [
        op("[[:append :x 1] [:append :y 1]]"),
        op("[[:append :x 2] [:append :y 2]]"),
        op("[[:r :x [1 2]] [:r :y [2 1]]]"),
    ];
    let r = check(la, &opts(None, &["G0"]), &h);
    expect(&r, Valid::Invalid, &["G0"], &["read-uncommitted"]);
    let h = [
        op("[[:append :x 1] [:append :x 2] [:append :x 4]]"),
        op("[[:append :x 3] [:r :x [1 2 3 4]]]"),
    ];
    let r = check(la, &opts(None, &["internal"]), &h);
    expect(&r, Valid::Invalid, &["internal"], &["read-uncommitted"]);
    // lost-update-test (Elle's `not` there names a model its graph lacks).
    let h: Vec<String> = [
        pair(0, "[[:append :x 0]]", "[[:append :x 0]]"),
        pair(
            0,
            "[[:r :x nil] [:append :x 1]]",
            "[[:r :x [0]] [:append :x 1]]",
        ),
        pair(
            0,
            "[[:r :x nil] [:append :x 2]]",
            "[[:r :x [0]] [:append :x 2]]",
        ),
    ]
    .concat();
    let r = check(la, &defaults(), &h);
    assert_eq!(
        r.details["anomaly-types"],
        json!(["G2-item", "lost-update"])
    );
}

#[test]
fn elles_rw_register_tests() {
    let rw = "rw-register";
    let ser = opts(Some(&["serializable"]), &[]);
    // "initial state": nil precedes every write, whence a G-single-item.
    let h = [
        op_as(0, "invoke", "[[:r :x nil] [:r :y nil]]"),
        op_as(0, "invoke", "[[:w :y 1] [:w :x 2]]"),
        op("[[:w :y 1] [:w :x 2]]"),
        op("[[:r :x nil] [:r :y 1]]"),
    ];
    let r = check(rw, &ser, &h);
    let cv_rr = ["consistent-view", "repeatable-read"];
    expect(&r, Valid::Invalid, &["G-single-item"], &cv_rr);
    // "wfr": only with writes-follow-reads.
    let h = [
        op("[[:r :y 1] [:w :x 1] [:w :y 2]]"),
        op("[[:r :x 1] [:r :y 1]]"),
    ];
    expect(&check(rw, &ser, &h), Valid::Valid, &[], &[]);
    let wfr = ElleOptions {
        wfr_keys: true,
        ..ser.clone()
    };
    expect(
        &check(rw, &wfr, &h),
        Valid::Invalid,
        &["G-single-item"],
        &cv_rr,
    );
    // "cyclic version order": sequential keys make x go 1, 2, 1.
    let h: Vec<String> = [
        pair(0, "[[:w :x 1]]", "[[:w :x 1]]"),
        pair(0, "[[:w :x 2]]", "[[:w :x 2]]"),
        pair(0, "[[:r :x nil]]", "[[:r :x 1]]"),
    ]
    .concat();
    let seq = ElleOptions {
        sequential_keys: true,
        ..defaults()
    };
    let r = check(rw, &seq, &h);
    expect(
        &r,
        Valid::Invalid,
        &["cyclic-versions"],
        &["read-uncommitted"],
    );
    // "internal" with no models.
    let h = [op("[[:r :x 1] [:r :x 2]]")];
    let types = ["empty-transaction-graph", "internal"];
    let r = check(rw, &opts(None, &["internal"]), &h);
    expect(&r, Valid::Invalid, &types, &["read-atomic"]);
    // lost-update-test (types only, as for list-append).
    let h: Vec<String> = [
        pair(0, "[[:r :x nil] [:w :x 1]]", "[[:r :x 0] [:w :x 1]]"),
        pair(1, "[[:r :x nil] [:w :x 2]]", "[[:r :x 0] [:w :x 2]]"),
    ]
    .concat();
    let r = check(rw, &defaults(), &h);
    assert_eq!(
        r.details["anomaly-types"],
        json!(["lost-update"]),
        "{:?}",
        r.details
    );
    // cyclic-versions-bug-test: empty transactions, linearizable keys, valid.
    let lines = [
        (1, "invoke", 0, "[]"),
        (2, "ok", 0, "[]"),
        (3, "invoke", 0, "[[:r 1 nil]]"),
        (4, "invoke", 1, "[[:w 1 4]]"),
        (5, "invoke", 2, "[]"),
        (320, "ok", 0, "[[:r 1 nil]]"),
        (322, "ok", 1, "[[:w 1 4]]"),
        (323, "ok", 2, "[]"),
        (324, "invoke", 0, "[]"),
        (325, "ok", 0, "[]"),
        (326, "invoke", 0, "[[:r 1 nil]]"),
        (327, "ok", 0, "[[:r 1 4]]"),
    ];
    let h: Vec<String> = lines
        .iter()
        .map(|(i, t, p, v)| {
            format!("{{:index {i}, :time {i}, :type :{t}, :process {p}, :f :txn, :value {v}}}")
        })
        .collect();
    let lin = ElleOptions {
        linearizable_keys: true,
        ..ser.clone()
    };
    assert_eq!(check(rw, &lin, &h).valid, Valid::Valid);
}

//! Each pair stage on hand-written traces: three independent root requests per case.

use super::*;
use crate::analyze::{analyze_spans, Analysis, Format, Options};
use crate::flows::Rules;
use crate::testkit::{spans, Seg};

type Sql = (&'static str, &'static str, &'static [&'static str]);

/// One root request per entry, each running its statements.
fn run(requests: &[&[Sql]], pairs: PairOptions) -> Analysis {
    let names = ["r0", "r1", "r2", "r3"];
    let segs = requests
        .iter()
        .enumerate()
        .map(|(i, stmts)| {
            let mut s = Seg::entry(
                names[i],
                names[i],
                "svc",
                "http://svc/x",
                i as i64 * 100,
                None,
            );
            for (k, (db, sql, params)) in stmts.iter().enumerate() {
                s.sql(db, sql, params, i as i64 * 100 + k as i64 + 1);
            }
            s
        })
        .collect();
    let opts = Options {
        format: Format::Auto,
        rules: Rules::default(),
        pairs,
    };
    analyze_spans(spans(segs), requests.len(), Vec::new(), &opts)
}

fn counts(a: &Analysis) -> [usize; 5] {
    let s = &a.stages;
    [
        s.baseline,
        s.same_db,
        s.flow,
        s.candidates.len(),
        s.early.len(),
    ]
}

const READ: Sql = ("db:1", "select * from t where id=?", &["k"]);
const WRITE: Sql = ("db:1", "update t set v=? where id=?", &["1", "k"]);

#[test]
fn baseline_needs_a_shared_id_and_a_write() {
    assert_eq!(
        counts(&run(&[&[READ], &[READ]], PairOptions::default())),
        [0; 5]
    );
    assert_eq!(
        counts(&run(&[&[READ], &[WRITE]], PairOptions::default())),
        [1, 1, 1, 1, 0]
    );
    let other = (
        "db:1",
        "update t set v=? where id=?",
        &["1", "other"] as &[&str],
    );
    assert_eq!(
        counts(&run(&[&[READ], &[other]], PairOptions::default()))[0],
        0
    );
    // A non-id column does not make a conflict.
    let by_name = (
        "db:1",
        "update t set v=? where name=?",
        &["1", "k"] as &[&str],
    );
    assert_eq!(
        counts(&run(&[&[READ], &[by_name]], PairOptions::default()))[0],
        0
    );
}

#[test]
fn same_db_stage_and_aliases() {
    let replica = (
        "db-slave:1",
        "select * from t where id=?",
        &["k"] as &[&str],
    );
    assert_eq!(
        counts(&run(&[&[replica], &[WRITE]], PairOptions::default())),
        [1, 0, 0, 0, 0]
    );
    let alias = PairOptions {
        same_db: vec![("db-slave:1".into(), "db:1".into())],
        same_table: false,
    };
    assert_eq!(
        counts(&run(&[&[replica], &[WRITE]], alias)),
        [1, 1, 1, 1, 0]
    );
}

#[test]
fn early_validation_takes_pairs_with_an_insert() {
    let insert = (
        "db:1",
        "insert into t (id, v) values (?, ?)",
        &["k", "1"] as &[&str],
    );
    let a = run(&[&[insert], &[READ], &[WRITE]], PairOptions::default());
    assert_eq!(counts(&a), [3, 3, 3, 1, 2]);
    assert!(a.stages.early.iter().all(|p| !p.inserts.is_empty()));
}

#[test]
fn same_table_stage_is_optional() {
    let other_table = (
        "db:1",
        "update u set v=? where id=?",
        &["1", "k"] as &[&str],
    );
    assert_eq!(
        counts(&run(&[&[READ], &[other_table]], PairOptions::default()))[3],
        1
    );
    let opts = PairOptions {
        same_db: Vec::new(),
        same_table: true,
    };
    assert_eq!(
        counts(&run(&[&[READ], &[other_table]], opts)),
        [1, 0, 0, 0, 0]
    );
}

#[test]
fn flow_stage_drops_pairs_inside_one_flow_and_parent_child() {
    // One flow whose root and callee share an id: baseline and same-db, not flow.
    let mut a = Seg::entry("t", "a", "svc-a", "http://a/root", 0, None);
    a.sql("db:1", READ.1, READ.2, 1);
    let call = a.call("http://b/x", 2);
    let mut b = Seg::entry("t", "b", "svc-b", "http://b/x", 3, Some(("a", call)));
    b.sql("db:1", WRITE.1, WRITE.2, 4);
    let opts = Options {
        format: Format::Auto,
        rules: Rules::default(),
        pairs: PairOptions::default(),
    };
    let an = analyze_spans(spans(vec![a, b]), 1, Vec::new(), &opts);
    assert_eq!(counts(&an), [1, 1, 0, 0, 0]);
}

#[test]
fn shared_ids_and_overlap_are_reported() {
    let a = run(&[&[READ], &[WRITE]], PairOptions::default());
    let p = &a.stages.candidates[0];
    assert_eq!(p.shared.iter().collect::<Vec<_>>(), ["k"]);
    assert!(!p.overlap, "requests 100 ms apart do not overlap");
}

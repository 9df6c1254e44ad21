//! Each model against short sequences of ops: legal ones must pass, illegal
//! ones fail, and parse errors name the op.

use super::*;
use crate::linear::collections::{FifoQueue, Mutex, SetModel, UnorderedQueue};
use serde_json::json;

fn run<M: Model>(m: &M, ops: &[(&str, Value, Option<Value>)]) -> bool {
    let mut atoms = Atoms::default();
    let mut s = m.init();
    for (f, i, o) in ops {
        let Some(op) = m.parse(f, i, o.as_ref(), &mut atoms).unwrap() else {
            continue;
        };
        let mut next = Vec::new();
        m.step(&s, &op, &mut next);
        match next.into_iter().next() {
            Some(n) => s = n,
            None => return false,
        }
    }
    true
}

#[test]
fn sequential_semantics() {
    let n = || Some(json!(null));
    let table: Vec<(bool, bool)> = vec![
        (
            run(&CasRegister::default(), &[("read", json!(null), n())]),
            true,
        ),
        (
            run(
                &CasRegister::default(),
                &[
                    ("write", json!(1), n()),
                    ("cas", json!([1, 2]), n()),
                    ("read", json!(null), Some(json!(2))),
                ],
            ),
            true,
        ),
        (
            run(&CasRegister::default(), &[("cas", json!([1, 2]), n())]),
            false,
        ),
        (
            run(
                &Register::default(),
                &[
                    ("write", json!("a"), n()),
                    ("read", json!(null), Some(json!("b"))),
                ],
            ),
            false,
        ),
        (
            run(
                &SetModel,
                &[
                    ("add", json!(1), n()),
                    ("add", json!(2), n()),
                    ("read", json!(null), Some(json!([2, 1]))),
                ],
            ),
            true,
        ),
        (
            run(
                &SetModel,
                &[
                    ("add", json!(1), n()),
                    ("read", json!(null), Some(json!([]))),
                ],
            ),
            false,
        ),
        (
            run(
                &Mutex,
                &[("acquire", json!(null), n()), ("release", json!(null), n())],
            ),
            true,
        ),
        (
            run(
                &Mutex,
                &[("acquire", json!(null), n()), ("acquire", json!(null), n())],
            ),
            false,
        ),
        (
            run(
                &FifoQueue,
                &[
                    ("enqueue", json!(1), n()),
                    ("enqueue", json!(2), n()),
                    ("dequeue", json!(null), Some(json!(2))),
                ],
            ),
            false,
        ),
        (
            run(
                &UnorderedQueue,
                &[
                    ("enqueue", json!(1), n()),
                    ("enqueue", json!(2), n()),
                    ("dequeue", json!(null), Some(json!(2))),
                ],
            ),
            true,
        ),
        (
            run(
                &MultiRegister,
                &[
                    ("txn", json!([["w", "x", 1]]), n()),
                    (
                        "txn",
                        json!(null),
                        Some(json!([["r", "x", 1], ["r", "y", null]])),
                    ),
                ],
            ),
            true,
        ),
        (
            run(
                &MultiRegister,
                &[
                    ("txn", json!([["w", "x", 1]]), n()),
                    ("txn", json!(null), Some(json!([["r", "x", 2]]))),
                ],
            ),
            false,
        ),
    ];
    for (i, (got, want)) in table.into_iter().enumerate() {
        assert_eq!(got, want, "case {i}");
    }
}

#[test]
fn unknown_function_is_an_error() {
    let err = CasRegister::default()
        .parse("frob", &json!(1), None, &mut Atoms::default())
        .unwrap_err();
    assert!(err.contains("frob"), "{err}");
    assert!(Register::default()
        .parse("cas", &json!([1, 2]), None, &mut Atoms::default())
        .is_err());
}

//! Linearizability against real and generated histories.

use rjepsen_checkers::linear::check_ops;
use rjepsen_core::checker::CheckContext;
use rjepsen_core::history::read_jsonl;
use rjepsen_core::Valid;
use std::path::PathBuf;

fn etcd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/porcupine-etcd")
}

#[test]
fn porcupine_etcd_histories_get_the_expected_verdicts() {
    let dir = etcd_dir();
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for line in expected.lines().skip(1) {
        let (file, want) = line.split_once('\t').expect("file<TAB>verdict");
        let ops = read_jsonl(&dir.join(file)).expect("history");
        let r = check_ops("cas-register", false, &ops, &CheckContext::default());
        let want = if want == "valid" {
            Valid::Valid
        } else {
            Valid::Invalid
        };
        if r.valid != want {
            wrong.push(format!(
                "{file}: want {want:?}, got {:?} {:?}",
                r.valid,
                r.details.get("explanation")
            ));
        }
        if want == Valid::Invalid {
            let text = r
                .details
                .get("explanation")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            assert!(text.contains("could not be placed"), "{file}: {text}");
        }
        checked += 1;
    }
    assert_eq!(checked, 102);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn jepsen_edn_histories_are_checked_per_key() {
    use rjepsen_checkers::linear::Linearizable;
    use rjepsen_core::history::read_history;
    use rjepsen_core::{Checker, History};
    let checker = Linearizable::new("cas-register", true).unwrap();
    let ctx = CheckContext::default();
    let ops = read_history(&fixture("register-independent.edn")).expect("edn");
    assert_eq!(ops.len(), 15);
    let r = checker.check(&ctx, &History::new(ops));
    assert_eq!(r.valid, Valid::Valid, "{:?}", r.details);
    assert_eq!(r.details["key-count"], 2);
    let ops = read_history(&fixture("register-stale.edn")).expect("edn vector");
    let r = checker.check(&ctx, &History::new(ops));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["invalid-keys"], serde_json::json!([0]));
    let text = r.details["explanation"].as_str().unwrap();
    assert!(text.contains("ok read 1 by process 0 (index 15)"), "{text}");
}

#[test]
fn a_file_checked_as_compact_ops_gets_the_same_result_as_its_history() {
    // `rjepsen check` reads files into compact ops (the FileCheck ability);
    // `analyze` checks a History of full ops: every detail must agree.
    use rjepsen_checkers::linear::Linearizable;
    use rjepsen_core::history::read_history;
    use rjepsen_core::{Checker, History};
    let ctx = CheckContext::default();
    let cases = [
        (false, etcd_dir().join("etcd_000.jsonl")),
        (false, etcd_dir().join("etcd_002.jsonl")),
        (true, fixture("register-independent.edn")),
        (true, fixture("register-stale.edn")),
    ];
    for (independent, path) in cases {
        let checker = Linearizable::new("cas-register", independent).unwrap();
        let file = checker
            .as_file_check()
            .expect("linearizability checks files");
        let streamed = file.check_file(&ctx, &path).expect("readable");
        let whole = checker.check(&ctx, &History::new(read_history(&path).unwrap()));
        assert_eq!(streamed, whole, "{}", path.display());
    }
    let checker = Linearizable::new("cas-register", false).unwrap();
    let missing = checker
        .as_file_check()
        .unwrap()
        .check_file(&ctx, &etcd_dir().join("nope.jsonl"));
    assert!(missing.unwrap_err().contains("nope.jsonl"));
}

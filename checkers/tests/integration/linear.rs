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

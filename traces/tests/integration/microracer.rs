//! The shared TrainTicket cases (`../shared/data/microracer/`) analysed with
//! `--compat microracer` and the replica alias must give MicroRacer's stage counts
//! (read from the README's table, not written here) and its candidate and early
//! pair sets (read from `expected/`).

use rjepsen_traces::analyze::{Analysis, Format};
use rjepsen_traces::flows::Rules;
use rjepsen_traces::pairs::PairOptions;
use rjepsen_traces::{analyze, output, Options};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/microracer")
}

fn compat(alias: bool) -> Options {
    let same_db = if alias {
        vec![(
            "ts-order-other-mysql-slave:3306".to_string(),
            "ts-order-other-mysql:3306".to_string(),
        )]
    } else {
        Vec::new()
    };
    Options {
        format: Format::Auto,
        rules: Rules::microracer(),
        pairs: PairOptions {
            same_db,
            same_table: false,
        },
    }
}

/// Numbers of a README table row, in order: steps, flows, forked, DB accesses,
/// then the stages (and, for case 3, the stages without the replica alias).
fn readme_row(case: usize) -> Vec<usize> {
    let readme = std::fs::read_to_string(data().join("README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with(&format!("| {case} |")))
        .unwrap_or_else(|| panic!("no row for case {case}"));
    let cells: Vec<&str> = row.split('|').collect();
    let nums = |s: &str| -> Vec<usize> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect()
    };
    let mut out = nums(cells[2]);
    if out.len() == 3 {
        out.insert(2, 0); // no forked parent
    }
    out.extend(nums(cells[3]));
    out
}

type StepRef = (u64, u64);

fn step_ref(v: &Value) -> StepRef {
    (
        v["flow_id"].as_u64().unwrap(),
        v["flow_span_id"].as_u64().unwrap(),
    )
}

fn unordered(a: StepRef, b: StepRef) -> (StepRef, StepRef) {
    (a.min(b), a.max(b))
}

/// Candidate pairs per shared id, from a directory of `candidatePairs_<id>.json`.
fn candidate_sets(dir: &Path) -> BTreeMap<String, BTreeSet<(StepRef, StepRef)>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let Some(id) = name
            .strip_prefix("candidatePairs_")
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let set = v
            .as_object()
            .unwrap()
            .values()
            .map(|e| unordered(step_ref(&e[1]), step_ref(&e[2])))
            .collect();
        out.insert(id.to_string(), set);
    }
    out
}

/// Early pairs from a `pre_validate_report.txt`, each as its two requests (sorted)
/// followed by its statement pairs (each unordered, sorted); the blocks sorted.
fn early_blocks(text: &str) -> Vec<Vec<String>> {
    let mut blocks: Vec<Vec<String>> = text
        .split("=====")
        .map(|b| b.trim())
        .filter(|b| !b.is_empty())
        .map(|b| {
            let lines: Vec<&str> = b.lines().collect();
            let mut reqs = vec![
                format!("{}\n{}", lines[0], lines[1]),
                format!("{}\n{}", lines[2], lines[3]),
            ];
            reqs.sort();
            let statements: Vec<&str> = lines[4..]
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty() && !l.contains("dataSpanPair"))
                .collect();
            // A statement pair is unordered: MicroRacer's sides follow its own pair order.
            let mut pairs: Vec<String> = statements
                .chunks(2)
                .map(|c| {
                    let mut c = c.to_vec();
                    c.sort();
                    c.join(" / ")
                })
                .collect();
            pairs.sort();
            reqs.extend(pairs);
            reqs
        })
        .collect();
    blocks.sort();
    blocks
}

fn run(case: usize, alias: bool) -> Analysis {
    analyze(&[data().join(format!("case{case}"))], &compat(alias)).unwrap()
}

#[test]
fn stage_counts_equal_microracers() {
    for case in 1..=3 {
        let row = readme_row(case);
        let a = run(case, true);
        let s = &a.stages;
        let got = vec![
            a.flows.steps.len(),
            a.leaf_flows(),
            a.flows.flows.len() - a.leaf_flows(),
            a.db_accesses(),
            s.baseline,
            s.same_db,
            s.flow,
            s.candidates.len(),
            s.early.len(),
        ];
        assert_eq!(got, row[..9].to_vec(), "case {case}");
        assert!(a.skipped.is_empty() && a.sql.unparsed.is_empty());
    }
}

#[test]
fn case3_without_the_replica_alias() {
    let row = readme_row(3);
    let a = run(3, false);
    let s = &a.stages;
    let got = [s.baseline, s.same_db, s.flow, s.candidates.len()];
    assert_eq!(got.to_vec(), row[9..13].to_vec());
}

#[test]
fn candidate_and_early_sets_equal_microracers() {
    for case in 1..=3 {
        let expected = data().join(format!("case{case}/expected"));
        let out = tempdir(&format!("sets{case}"));
        let a = run(case, true);
        output::write_all(&a, &out, true).unwrap();
        assert_eq!(
            candidate_sets(&out),
            candidate_sets(&expected),
            "case {case}"
        );
        let ours = std::fs::read_to_string(out.join("pre_validate_report.txt")).unwrap();
        let theirs = std::fs::read_to_string(expected.join("pre_validate_report.txt")).unwrap();
        let (ours, theirs) = (early_blocks(&ours), early_blocks(&theirs));
        assert_eq!(ours.len(), theirs.len(), "case {case}");
        // The root requests of each early pair and its two statements (kind, ids) agree.
        assert_eq!(ours, theirs, "case {case}");
    }
}

/// Flows as MicroRacer prints them: same ids, same request sequence, same databases.
#[test]
fn flows_equal_microracers() {
    fn parse(text: &str) -> BTreeMap<String, (String, BTreeSet<String>)> {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines
            .chunks(2)
            .map(|c| {
                let (id, steps) = c[0].split_once("] [Lenth").unwrap();
                let dbs = c[1].trim_start_matches("[DB info] [").trim_end_matches(']');
                let dbs = dbs
                    .split(", ")
                    .filter(|d| !d.is_empty())
                    .map(str::to_string)
                    .collect();
                (id.to_string(), (steps.to_string(), dbs))
            })
            .collect()
    }
    for case in [1, 3] {
        let a = run(case, true);
        let theirs =
            std::fs::read_to_string(data().join(format!("case{case}/expected/flows.txt"))).unwrap();
        assert_eq!(parse(&output::flows_txt(&a)), parse(&theirs), "case {case}");
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    let (x, y) = (tempdir("det-a"), tempdir("det-b"));
    output::write_all(&run(1, true), &x, true).unwrap();
    output::write_all(&run(1, true), &y, true).unwrap();
    for e in std::fs::read_dir(&x).unwrap() {
        let name = e.unwrap().file_name();
        assert_eq!(
            std::fs::read(x.join(&name)).unwrap(),
            std::fs::read(y.join(&name)).unwrap(),
            "{name:?}"
        );
    }
}

#[test]
fn a_malformed_file_is_skipped_and_counted() {
    let dir = tempdir("malformed");
    for e in std::fs::read_dir(data().join("case2/traces")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.join("broken.json"), "{\"data\": {\"trace\": ").unwrap();
    let a = analyze(std::slice::from_ref(&dir), &compat(true)).unwrap();
    assert_eq!(a.skipped.len(), 1);
    assert!(a.skipped[0].path.ends_with("broken.json"));
    assert!(
        a.skipped[0].reason.contains("line 1"),
        "{}",
        a.skipped[0].reason
    );
    assert_eq!(
        a.stages.candidates.len(),
        run(2, true).stages.candidates.len()
    );
    assert_eq!(output::summary(&a)["skipped_files"], 1);
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rjepsen-traces-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The cases converted to OTLP JSON and to OTLP protobuf give the same stages and
/// the same candidate sets as the SkyWalking originals.
#[test]
fn converted_to_otlp_the_cases_give_the_same_results() {
    use rjepsen_traces::analyze::{list_files, read_one};
    use rjepsen_traces::convert;
    for case in 1..=3 {
        let src = data().join(format!("case{case}"));
        let (json_dir, proto_dir) = (
            tempdir(&format!("json{case}")),
            tempdir(&format!("pb{case}")),
        );
        for path in list_files(std::slice::from_ref(&src)).unwrap() {
            let spans = read_one(&path, Format::SkyWalking).unwrap();
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            std::fs::write(
                json_dir.join(format!("{stem}.json")),
                convert::to_json(&spans),
            )
            .unwrap();
            std::fs::write(
                proto_dir.join(format!("{stem}.pb")),
                convert::to_proto(&spans),
            )
            .unwrap();
        }
        let original = run(case, true);
        let want = output::summary(&original);
        let want_sets = {
            let d = tempdir(&format!("orig{case}"));
            output::write_all(&original, &d, true).unwrap();
            candidate_sets(&d)
        };
        for dir in [json_dir, proto_dir] {
            let a = analyze(std::slice::from_ref(&dir), &compat(true)).unwrap();
            assert_eq!(
                output::summary(&a),
                want,
                "case {case} from {}",
                dir.display()
            );
            let out = tempdir(&format!("conv-out{case}"));
            output::write_all(&a, &out, true).unwrap();
            assert_eq!(
                candidate_sets(&out),
                want_sets,
                "case {case} from {}",
                dir.display()
            );
        }
    }
}

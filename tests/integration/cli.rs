//! The command line as a user meets it: exit codes, errors that name the
//! problem, and `check` on real histories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn rjepsen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rjepsen"))
        .args(args)
        .output()
        .expect("run rjepsen")
}

fn shared(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/porcupine-etcd")
        .join(file)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn bad_arguments_exit_254_and_say_why() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["test", "--nodes", "n1..n3", "--concurrency", "x"],
            "--concurrency",
        ),
        (&["test", "--nodes", "n3..n1"], "node range"),
        (
            &["test", "--nodes", "n1", "--workload", "nope"],
            "unknown workload",
        ),
        (&["test"], "no nodes"),
        (
            &[
                "test",
                "--nodes",
                "n1..n3",
                "--nemesis",
                "partition,proxy-partition",
            ],
            "cannot run beside proxy kinds",
        ),
        (&["check", "x.jsonl"], "--model"),
        (
            &["test", "--nodes", "n1..n3", "--nemesis", "interleave"],
            "--nemesis interleave: needs --db shop",
        ),
        (
            &[
                "test",
                "--nodes",
                "n1..n3",
                "--db",
                "shop",
                "--workload",
                "shop",
                "--nemesis",
                "interleave,partition",
            ],
            "--nemesis interleave: combines with no other nemesis",
        ),
        (&["frobnicate"], "unrecognized subcommand"),
        (
            &["test", "--nodes", "n1", "--provider", "vm"],
            "unknown --provider \"vm\" (known: netns, lxc, static)",
        ),
        (
            &["test", "--nodes", "n1", "--node-memory", "512M"],
            "need nodes that can be limited (--provider lxc), not netns",
        ),
        (
            &[
                "test",
                "--provider",
                "lxc",
                "--nodes",
                "n1",
                "--node-cpus",
                "x",
            ],
            "--node-cpus: bad CPU count \"x\"",
        ),
        (
            &["cluster", "up", "--provider", "static"],
            "unknown --provider \"static\" for local nodes",
        ),
        (
            &["cluster", "up", "--unprivileged"],
            "--unprivileged needs --provider lxc",
        ),
    ];
    for (args, says) in cases {
        let o = rjepsen(args);
        assert_eq!(o.status.code(), Some(254), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains(says),
            "{args:?} should say {says:?}: {}",
            text(&o)
        );
    }
}

#[test]
fn a_bad_nodes_file_line_is_named() {
    let dir = std::env::temp_dir().join(format!("rjepsen-nodes-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("machines");
    std::fs::write(&file, "# real machines\ndb1 10.0.0.5\ndb2 host extra\n").unwrap();
    let o = rjepsen(&["test", "--nodes-file", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(254), "{}", text(&o));
    let want = format!("{}:3: expected `NAME [HOST]`", file.display());
    assert!(text(&o).contains(&want), "{}", text(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_gives_jepsen_exit_codes_per_verdict() {
    let expected = std::fs::read_to_string(shared("expected.tsv")).unwrap();
    let pick = |verdict: &str| {
        expected
            .lines()
            .skip(1)
            .find(|l| l.ends_with(verdict))
            .map(|l| shared(l.split('\t').next().unwrap()))
            .unwrap()
    };
    let valid = pick("\tvalid");
    let invalid = pick("\tinvalid");
    let o = rjepsen(&["check", "--model", "cas-register", valid.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = rjepsen(&[
        "check",
        "--model",
        "cas-register",
        invalid.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("invalid"), "{}", text(&o));
    // Both at once: the worst verdict wins; JSON names each file.
    let o = rjepsen(&[
        "check",
        "--model",
        "cas-register",
        "--format",
        "json",
        valid.to_str().unwrap(),
        invalid.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["valid?"], false);
    assert_eq!(doc["files"][0]["valid?"], true);
    assert_eq!(doc["files"][1]["valid?"], false);
}

#[test]
fn malformed_history_names_file_and_line_and_other_files_are_still_checked() {
    let dir = std::env::temp_dir().join(format!("rjepsen-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.jsonl");
    let good = std::fs::read_to_string(shared("etcd_002.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(4, "{\"type\":\"ok\",\"process\":");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = rjepsen(&[
        "check",
        "--model",
        "cas-register",
        bad.to_str().unwrap(),
        shared("etcd_002.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(254), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("bad.jsonl") && out.contains("line 5"), "{out}");
    assert!(out.contains("etcd_002.jsonl\tvalid"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Copies a stored run (files only) into `to`.
fn copy_run(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn analyze_prints_the_summary_on_stdout_and_progress_on_stderr() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("report/tests/fixtures/store/etcd-register/20261123T030000.000Z");
    let run = std::env::temp_dir().join(format!("rjepsen-analyze-{}", std::process::id()));
    copy_run(&fixture, &run);
    let o = rjepsen(&["analyze", run.to_str().unwrap()]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(matches!(o.status.code(), Some(0..=2)), "{}", text(&o));
    assert!(stdout.contains("verdict:"), "{stdout}");
    assert!(stdout.contains("ops: "), "{stdout}");
    assert!(stderr.contains("checking "), "{stderr}");
    assert!(!stderr.contains("verdict:"), "{stderr}");
    std::fs::remove_dir_all(&run).unwrap();
}

fn elle_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("checkers/tests/fixtures/elle/anomalies.edn")
}

#[test]
fn a_file_that_failed_is_never_valid_in_json() {
    let dir = std::env::temp_dir().join(format!("rjepsen-cli-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[]}\nnot json at all\n{}\n",
    )
    .unwrap();
    let good = shared("etcd_002.jsonl");
    let o = rjepsen(&[
        "check",
        "--model",
        "cas-register",
        "--format",
        "json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(254), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["files"][0]["valid?"], true);
    assert_eq!(doc["files"][1]["valid?"], "unknown");
    assert_eq!(doc["valid?"], "unknown", "{doc}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_text_line_names_the_anomaly_types() {
    let f = elle_fixture();
    let o = rjepsen(&[
        "check",
        "--workload",
        "list-append",
        "--consistency-models",
        "serializable",
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("\tinvalid\tG-single-item, G2-item: T"),
        "{out}"
    );
    // Elle's :anomalies without a model: only G1c would fail, and there is none.
    let o = rjepsen(&[
        "check",
        "--workload",
        "list-append",
        "--consistency-models",
        "none",
        "--anomalies",
        "G1c",
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_cut_cycle_search_is_named_and_never_valid() {
    // No time per component (Elle's :cycle-search-timeout 0): each component's
    // search is cut, named, and its fallback cycle still fails the check.
    let f = elle_fixture();
    let o = rjepsen(&[
        "check",
        "--workload",
        "list-append",
        "--cycle-search-timeout",
        "0",
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("cycle-search-timeout"), "{out}");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::process::Stdio;
    let f = elle_fixture();
    let f = f.to_str().unwrap();
    let mut args = vec!["check", "--workload", "list-append"];
    args.extend(std::iter::repeat_n(f, 200));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rjepsen"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader (`head`) is gone
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
}

#[test]
fn check_takes_knossos_initial_value_and_nil_reads() {
    let dir = std::env::temp_dir().join(format!("rjepsen-cli-knossos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cas-from-0.jsonl");
    // cas 0 -> 1 succeeds on a fresh register, then a read of null: linearizable
    // only if the register starts at 0 and a nil read says nothing.
    let lines = [
        r#"{"index":0,"type":"invoke","process":0,"f":"cas","value":[0,1]}"#,
        r#"{"index":1,"type":"ok","process":0,"f":"cas","value":[0,1]}"#,
        r#"{"index":2,"type":"invoke","process":1,"f":"read","value":null}"#,
        r#"{"index":3,"type":"ok","process":1,"f":"read","value":null}"#,
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let f = file.to_str().unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["--model", "cas-register"], 1, "invalid"),
        (
            &["--model", "cas-register", "--initial-value", "0"],
            1,
            "invalid",
        ),
        (
            &["--model", "cas-register", "--nil-reads-unknown"],
            1,
            "invalid",
        ),
        (
            &[
                "--model",
                "cas-register",
                "--initial-value",
                "0",
                "--nil-reads-unknown",
            ],
            0,
            "valid",
        ),
        (
            &["--model", "cas-register", "--initial-value", "{x"],
            254,
            "--initial-value",
        ),
        (&["--model", "set", "--initial-value", "0"], 254, "register"),
        (
            &["--workload", "set", "--initial-value", "0"],
            254,
            "register workload",
        ),
    ];
    for (args, code, says) in cases {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.push(f);
        let o = rjepsen(&all);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains(says),
            "{args:?} should say {says:?}: {}",
            text(&o)
        );
    }
}

/// A run stored by rjepsen before the run record (flat test.json), re-checked:
/// the workload and its options come from the old fields, and the coverage
/// check runs too; raising its minimum makes the same history unknown.
#[test]
fn analyze_reads_an_old_run_and_applies_the_validity_rule() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs/valid");
    let dir = std::env::temp_dir().join(format!("rjepsen-analyze-old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["test.json", "history.jsonl", "results.json"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let o = rjepsen(&["analyze", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("  coverage: valid\n  linear: valid\n"),
        "{}",
        text(&o)
    );
    let test = std::fs::read_to_string(dir.join("test.json")).unwrap();
    let strict = test.replacen("{", "{\"validity\": {\"min_ok_per_process\": 100},", 1);
    std::fs::write(dir.join("test.json"), strict).unwrap();
    let o = rjepsen(&["analyze", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("coverage: unknown (only 172 ok client ops for 6 worker threads"),
        "{}",
        text(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_prints_its_files_on_stdout_and_a_bad_run_dir_is_254() {
    let run = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("export/tests/fixtures/partition-run");
    let out = std::env::temp_dir().join(format!("rjepsen-cli-export-{}", std::process::id()));
    let o = rjepsen(&[
        "export",
        run.to_str().unwrap(),
        "--format",
        "microservo",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    for file in [
        "labels.csv\t8",
        "history.csv\t442",
        "log.csv",
        "groundtruth.json\t2",
    ] {
        assert!(stdout.contains(file), "{file} missing in {stdout}");
    }
    assert!(o.stderr.is_empty(), "{}", text(&o));
    let o = rjepsen(&[
        "export",
        out.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(254), "{}", text(&o));
    assert!(text(&o).contains("history.jsonl"), "{}", text(&o));
    let o = rjepsen(&[
        "export",
        run.to_str().unwrap(),
        "--format",
        "parquet",
        "--out",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(254), "{}", text(&o));
    assert!(text(&o).contains("csv or microservo"), "{}", text(&o));
    std::fs::remove_dir_all(&out).unwrap();
}

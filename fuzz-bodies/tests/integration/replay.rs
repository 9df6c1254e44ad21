//! Every fuzz target's body over every file in `fuzz/seeds/TARGET/` and
//! `fuzz/artifacts/TARGET/`: what libFuzzer starts from, and what it once
//! crashed on, replayed on stable in CI without building the fuzzers.
//!
//! A seed must get past the reader (a history with ops; for a checker's target,
//! a verdict), or the fuzzer would start from inputs that never reach the code
//! it is meant to shake; a seed named `bad-*` must be refused by the reader with
//! an error (the error path is fuzzed too). An artifact only has to run without
//! a panic: it is a crash input kept as a regression test once fixed.

use rjepsen_fuzz_bodies::{Reached, TARGETS};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn is_bad(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("bad-"))
}

fn reached_far(name: &str, reached: Reached) -> bool {
    match reached {
        Reached::ReadError => false,
        Reached::Read { ops } => ops > 0,
        Reached::Verdict(_) => name.starts_with("check_"),
    }
}

#[test]
fn every_seed_and_artifact_replays_through_its_target() {
    let mut replayed = 0;
    for (name, body) in TARGETS {
        let seeds = inputs(&fuzz_dir().join("seeds").join(name));
        assert!(!seeds.is_empty(), "fuzz/seeds/{name}/ has no seeds");
        for seed in &seeds {
            let data = std::fs::read(seed).expect("read a seed");
            let reached = body(&data);
            if is_bad(seed) {
                assert_eq!(reached, Reached::ReadError, "{} was read", seed.display());
            } else {
                assert!(
                    reached_far(name, reached),
                    "{} only reached {reached:?}",
                    seed.display()
                );
            }
        }
        let artifacts = inputs(&fuzz_dir().join("artifacts").join(name));
        for artifact in &artifacts {
            let data = std::fs::read(artifact).expect("read an artifact");
            eprintln!("{name}: {} -> {:?}", artifact.display(), body(&data));
        }
        eprintln!(
            "{name}: {} seeds, {} artifacts",
            seeds.len(),
            artifacts.len()
        );
        replayed += seeds.len() + artifacts.len();
    }
    eprintln!(
        "replayed {replayed} inputs through {} targets",
        TARGETS.len()
    );
}

#[test]
fn every_fuzz_target_file_has_a_body() {
    let dir = fuzz_dir().join("fuzz_targets");
    let files = inputs(&dir);
    let stems: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .collect();
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        stems.len(),
        names.len(),
        "fuzz_targets/ {stems:?} vs TARGETS {names:?}"
    );
    for stem in &stems {
        assert!(
            names.contains(&stem.as_str()),
            "fuzz_targets/{stem}.rs is not in TARGETS"
        );
    }
}

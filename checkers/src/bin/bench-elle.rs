//! Benchmark input and driver for the Elle checker (see scripts/bench-elle.sh).
//!
//! `bench-elle gen --txns N --seed S [--plant G1c|G-single-item|G2-item] [--si] OUT.jsonl`
//! writes a generated list-append history (`--register`: rw-register);
//! `bench-elle check [--models m,..] [--register] FILE`
//! reads a history as the CLI does (or, with `--stream`, streams it through
//! `ElleChecker::check_file`) and checks it, printing the phases' times, the
//! verdict, the anomaly types and the first explanation of each.

use rjepsen_checkers::elle::synth::{
    list_append, plant, rw_register, Isolation, Plant, SynthConfig,
};
use rjepsen_checkers::elle::ElleChecker;
use rjepsen_core::checker::CheckContext;
use rjepsen_core::history::{read_history, HistoryWriter};
use rjepsen_core::{Checker, History};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()) {
        eprintln!("{e}");
        std::process::exit(254);
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut txns = 100_000;
    let mut seed = 1;
    let mut planted = None;
    let mut iso = Isolation::StrictSerializable;
    let mut models = Vec::new();
    let mut path = None;
    let mut stream = false;
    let mut register = false;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or(format!("failed to parse arguments: {a} needs a value"))
        };
        match a.as_str() {
            "--txns" => {
                txns = val()?
                    .parse()
                    .map_err(|e| format!("failed to parse --txns: {e}"))?
            }
            "--seed" => {
                seed = val()?
                    .parse()
                    .map_err(|e| format!("failed to parse --seed: {e}"))?
            }
            "--si" => iso = Isolation::SnapshotIsolation,
            "--stream" => stream = true,
            "--register" => register = true,
            "--models" => models = val()?.split(',').map(String::from).collect(),
            "--plant" => {
                planted = Some(match val()?.as_str() {
                    "G1c" => Plant::G1c,
                    "G-single" | "G-single-item" => Plant::GSingle,
                    "G2-item" => Plant::G2Item,
                    "none" => continue,
                    other => {
                        return Err(format!("failed to parse --plant: unknown anomaly {other}"))
                    }
                })
            }
            p => path = Some(PathBuf::from(p)),
        }
    }
    let path = path.ok_or("failed to parse arguments: no file given")?;
    match args.first().map(String::as_str) {
        Some("gen") => {
            let cfg = SynthConfig::bench(txns, seed);
            let mut ops = match register {
                true => rw_register(&cfg, iso),
                false => list_append(&cfg, iso),
            };
            if let Some(p) = planted {
                plant(&mut ops, p, 0.5, 0);
            }
            let fail = |e: std::io::Error| format!("failed to write {}: {e}", path.display());
            let mut w = HistoryWriter::create(&path).map_err(fail)?;
            for op in &ops {
                w.append(op).map_err(fail)?;
            }
            drop(w);
            println!("wrote {} ops to {}", ops.len(), path.display());
            Ok(())
        }
        Some("check") => check(&path, &models, stream, register),
        _ => Err("failed to parse arguments: usage: bench-elle gen|check ... FILE".into()),
    }
}

fn check(
    path: &std::path::Path,
    models: &[String],
    stream: bool,
    register: bool,
) -> Result<(), String> {
    let workload = if register {
        "rw-register"
    } else {
        "list-append"
    };
    let checker = ElleChecker::new(workload, models)?;
    let t0 = Instant::now();
    let (r, read) = if stream {
        let r = checker.check_file(&CheckContext::default(), path);
        (r, std::time::Duration::ZERO)
    } else {
        let ops = read_history(path).map_err(|e| e.to_string())?;
        let history = History::new(ops);
        let read = t0.elapsed();
        (checker.check(&CheckContext::default(), &history), read)
    };
    let checked = t0.elapsed() - read;
    println!(
        "read {:.2} s, check {:.2} s, valid? {}, anomaly-types {}, not {}",
        read.as_secs_f64(),
        checked.as_secs_f64(),
        r.valid.as_str(),
        r.details["anomaly-types"],
        r.details["not"]
    );
    if let Some(stats) = r.details.get("stats") {
        println!("  stats {stats}");
    }
    if let Some(serde_json::Value::Object(m)) = r.details.get("anomalies") {
        for (kind, list) in m {
            if let Some(e) = list.get(0).and_then(|x| x.get("explanation")) {
                println!("  {kind}: {}", e.as_str().unwrap_or(""));
            }
        }
    }
    Ok(())
}

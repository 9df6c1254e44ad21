//! Benchmark driver for the linearizability checker (until `rjepsen check` exists,
//! and to build the benchmark's inputs).
//!
//! ```text
//! bench-linear gen OUT --ops N [--keys K] [--threads T] [--threads-per-key P]
//!                      [--info RATE] [--seed S] [--bad-read VALUE]
//! bench-linear check --model M [--independent] [--time-limit SECS] [--json] FILE...
//! ```
//!
//! `check` reads every file (JSONL or EDN), checks them one after the other and
//! prints one verdict line per file with parse and check times.

use rjepsen_checkers::linear::{check_ops, synth};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::history::read_compact;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    flag(args, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn gen(args: &[String]) -> Result<(), String> {
    let out = args
        .first()
        .ok_or("failed to generate: no output file given")?;
    let cfg = synth::SynthConfig {
        seed: num(args, "--seed", 1),
        ops: num(args, "--ops", 1000),
        keys: num(args, "--keys", 0),
        threads: num(args, "--threads", 10),
        threads_per_key: num(args, "--threads-per-key", 5),
        info_rate: num(args, "--info", 0.02),
    };
    let mut ops = synth::register_history(&cfg);
    if let Some(bad) = flag(args, "--bad-read") {
        let v: serde_json::Value =
            serde_json::from_str(bad).map_err(|e| format!("failed to parse --bad-read: {e}"))?;
        let i = synth::plant_bad_read(&mut ops, 0.9, v)
            .ok_or("failed to plant a bad read: no ok read")?;
        eprintln!("planted bad read at index {i}");
    }
    let file = std::fs::File::create(out).map_err(|e| format!("failed to create {out}: {e}"))?;
    let mut w = std::io::BufWriter::new(file);
    for op in &ops {
        serde_json::to_writer(&mut w, op).map_err(|e| format!("failed to write {out}: {e}"))?;
        w.write_all(b"\n")
            .map_err(|e| format!("failed to write {out}: {e}"))?;
    }
    Ok(())
}

fn check(args: &[String]) -> Result<i32, String> {
    let model = flag(args, "--model").unwrap_or("cas-register");
    let independent = args.iter().any(|a| a == "--independent");
    let json = args.iter().any(|a| a == "--json");
    let ctx = CheckContext {
        out_dir: flag(args, "--out-dir").map(PathBuf::from),
        time_limit: flag(args, "--time-limit")
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs_f64),
        memory_limit: flag(args, "--memory-limit-mb")
            .and_then(|s| s.parse::<u64>().ok())
            .map(|m| m << 20),
    };
    let skip: Vec<&str> = ["--model", "--time-limit", "--out-dir", "--memory-limit-mb"]
        .iter()
        .filter_map(|f| flag(args, f))
        .collect();
    let mut worst = 0;
    for file in args
        .iter()
        .filter(|a| !a.starts_with("--") && !skip.contains(&a.as_str()))
    {
        let t0 = Instant::now();
        let ops = read_compact(std::path::Path::new(file)).map_err(|e| e.to_string())?;
        let t1 = Instant::now();
        let r = check_ops(model, independent, &ops, &ctx);
        let t2 = Instant::now();
        println!(
            "{file}\t{}\tops={}\tparse={:.3}s\tcheck={:.3}s",
            r.valid.as_str(),
            ops.len(),
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64()
        );
        if json {
            println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
        } else if let Some(e) = r.details.get("explanation").and_then(|v| v.as_str()) {
            println!("  {e}");
        }
        worst = worst.max(r.valid.exit_code());
    }
    Ok(worst)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let res = match args.first().map(String::as_str) {
        Some("gen") => gen(&args[1..]).map(|_| 0),
        Some("check") => check(&args[1..]),
        _ => Err("usage: bench-linear gen OUT [...] | bench-linear check --model M FILE...".into()),
    };
    match res {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(254);
        }
    }
}

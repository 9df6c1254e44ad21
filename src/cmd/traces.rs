//! `rjepsen traces analyze`: conflicting request pairs from distributed traces
//! (the analysis half of MicroRacer); `rjepsen traces convert`: SkyWalking exports
//! to OTLP files; `rjepsen traces receive` (in `traces_receive.rs`): an OTLP receiver. The arguments live here, not in `cli.rs`, so
//! that the traces commands stay one file; the work is in the `rjepsen-traces` crate.

use crate::config::BadArgs;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use rjepsen_traces::analyze::Format;
use rjepsen_traces::flows::Rules;
use rjepsen_traces::pairs::PairOptions;
use rjepsen_traces::{output, Options};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TracesArgs {
    #[command(subcommand)]
    pub command: TracesCommand,
}

#[derive(Subcommand, Debug)]
pub enum TracesCommand {
    /// Rebuild request flows and find conflicting request pairs.
    Analyze(AnalyzeTracesArgs),
    /// Convert SkyWalking exports to OTLP, one output file per trace.
    Convert(ConvertArgs),
    /// Receive spans over OTLP (gRPC and HTTP) into a directory, until Ctrl-C.
    Receive(super::traces_receive::ReceiveArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum OtlpFormat {
    OtlpJson,
    OtlpProto,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    #[arg(long, value_enum)]
    pub to: OtlpFormat,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// SkyWalking trace files or directories of them.
    #[arg(required = true, value_name = "SRC")]
    pub src: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    Skywalking,
    OtlpJson,
    OtlpProto,
    Auto,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Compat {
    /// MicroRacer's noise filters, and its own output files too.
    Microracer,
}

#[derive(Args, Debug)]
pub struct AnalyzeTracesArgs {
    /// Directories of trace files (a case directory with `traces/` inside works too).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Output directory.
    #[arg(long, value_name = "OUT")]
    pub out: PathBuf,
    #[arg(long, value_enum)]
    pub compat: Option<Compat>,
    /// Count database A as B (a replica and its master): `A=B`. Repeatable.
    #[arg(long = "same-db", value_name = "A=B")]
    pub same_db: Vec<String>,
    /// Drop spans of services whose name contains this. Repeatable.
    #[arg(long = "ignore-service", value_name = "TEXT")]
    pub ignore_service: Vec<String>,
    /// Drop spans whose endpoint name contains this. Repeatable.
    #[arg(long = "ignore-span", value_name = "TEXT")]
    pub ignore_span: Vec<String>,
    /// Also require the two statements to touch a common table.
    #[arg(long)]
    pub same_table: bool,
}

pub fn run(args: &TracesArgs) -> anyhow::Result<i32> {
    match &args.command {
        TracesCommand::Analyze(a) => analyze(a),
        TracesCommand::Convert(a) => convert(a),
        TracesCommand::Receive(a) => super::traces_receive::run(a),
    }
}

fn options(a: &AnalyzeTracesArgs) -> anyhow::Result<Options> {
    let mut rules = match a.compat {
        Some(Compat::Microracer) => Rules::microracer(),
        None => Rules::default(),
    };
    rules
        .ignore_services
        .extend(a.ignore_service.iter().cloned());
    rules.ignore_spans.extend(a.ignore_span.iter().cloned());
    let mut same_db = Vec::new();
    for pair in &a.same_db {
        let (x, y) = pair
            .split_once('=')
            .ok_or_else(|| BadArgs(format!("--same-db wants A=B, got {pair:?}")))?;
        same_db.push((x.to_string(), y.to_string()));
    }
    Ok(Options {
        format: match a.format {
            FormatArg::Skywalking => Format::SkyWalking,
            FormatArg::OtlpJson => Format::OtlpJson,
            FormatArg::OtlpProto => Format::OtlpProto,
            FormatArg::Auto => Format::Auto,
        },
        rules,
        pairs: PairOptions {
            same_db,
            same_table: a.same_table,
        },
    })
}

fn analyze(a: &AnalyzeTracesArgs) -> anyhow::Result<i32> {
    let opts = options(a)?;
    let t0 = std::time::Instant::now();
    let (spans, traces, skipped) = rjepsen_traces::load_dirs(&a.dirs, opts.format, &opts.rules)
        .context("failed to read traces")?;
    let t1 = std::time::Instant::now();
    let analysis = rjepsen_traces::analyze::analyze_spans(spans, traces, skipped, &opts);
    let t2 = std::time::Instant::now();
    for s in &analysis.skipped {
        eprintln!("skipped {}: {}", s.path.display(), s.reason);
    }
    for s in &analysis.sql.unparsed {
        eprintln!("unparsed SQL: {s}");
    }
    output::write_all(&analysis, &a.out, a.compat.is_some())?;
    eprintln!(
        "read {:.3} s, flows+sql+pairs {:.3} s, write {:.3} s",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        t2.elapsed().as_secs_f64()
    );
    println!("{}", output::summary_line(&analysis));
    Ok(0)
}

fn convert(a: &ConvertArgs) -> anyhow::Result<i32> {
    use rjepsen_traces::analyze::{list_files, read_one};
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("failed to create {}", a.out.display()))?;
    let (mut written, mut skipped) = (0, 0);
    for path in list_files(&a.src)? {
        let spans = match read_one(&path, Format::SkyWalking) {
            Ok(s) => s,
            Err(reason) => {
                eprintln!("skipped {}: {reason}", path.display());
                skipped += 1;
                continue;
            }
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let (name, bytes) = match a.to {
            OtlpFormat::OtlpJson => (
                format!("{stem}.otlp.json"),
                rjepsen_traces::convert::to_json(&spans).into_bytes(),
            ),
            OtlpFormat::OtlpProto => (
                format!("{stem}.otlp.pb"),
                rjepsen_traces::convert::to_proto(&spans),
            ),
        };
        let out = a.out.join(name);
        std::fs::write(&out, bytes)
            .with_context(|| format!("failed to write {}", out.display()))?;
        written += 1;
    }
    println!(
        "converted {written} traces ({skipped} skipped) into {}",
        a.out.display()
    );
    Ok(0)
}

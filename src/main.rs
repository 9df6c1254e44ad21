//! rjepsen: the command line. It parses arguments, builds a validated
//! configuration and calls the library crates; it maps results to Jepsen's exit
//! codes: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 internal error.

mod analysis;
mod campaign;
mod cli;
mod cmd;
mod config;
mod exit;
#[cfg(feature = "shop")]
mod interleave_phase;
#[cfg(not(feature = "shop"))]
#[path = "interleave_phase_off.rs"]
mod interleave_phase;
mod logging;
mod playground_test;
mod providers;
mod record;

use clap::Parser;
use cli::{Cli, Command};
use config::BadArgs;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_ARGS } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match &cli.command {
        Command::Test(a) => cmd::test::run(a),
        Command::TestAll(a) => cmd::test_all::run(a),
        Command::Compare(a) => cmd::compare::run(a),
        Command::Check(a) => cmd::check::run(a),
        Command::Analyze(a) => cmd::analyze::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Serve(a) => rjepsen_report::serve(&a.store, &a.bind)
            .map(|()| 0)
            .map_err(Into::into),
        Command::Cluster(a) => cmd::cluster::run(a),
        Command::Traces(a) => cmd::traces::run(a),
        Command::Interleave(a) => cmd::interleave::run(a),
        Command::Playground(a) => cmd::playground::run(a),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) if e.is::<BadArgs>() => {
            eprintln!("error: {e}");
            exit::BAD_ARGS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::INTERNAL
        }
    };
    std::process::exit(code);
}

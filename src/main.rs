//! rjepsen: the command line. It parses arguments, builds a validated
//! configuration and calls the library crates; it maps results to Jepsen's exit
//! codes: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 internal error.

mod analysis;
mod cli;
mod cmd_analyze;
mod cmd_check;
mod cmd_cluster;
mod cmd_test;
mod cmd_traces;
mod config;
mod logging;

use clap::Parser;
use cli::{Cli, Command};
use config::BadArgs;

const EXIT_BAD_ARGS: i32 = 254;
const EXIT_INTERNAL: i32 = 255;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_ARGS } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match &cli.command {
        Command::Test(a) => cmd_test::run(a),
        Command::Check(a) => cmd_check::run(a),
        Command::Analyze(a) => cmd_analyze::run(a),
        Command::Serve(a) => rjepsen_report::serve(&a.store, &a.bind)
            .map(|()| 0)
            .map_err(Into::into),
        Command::Cluster(a) => cmd_cluster::run(a),
        Command::Traces(a) => cmd_traces::run(a),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) if e.is::<BadArgs>() => {
            eprintln!("error: {e}");
            EXIT_BAD_ARGS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_INTERNAL
        }
    };
    std::process::exit(code);
}

//! rjepsen-workloads: what to run and how to check it.
//!
//! A [`Workload`] bundles the client generator for the main phase, an optional
//! final generator run after the nemesis has healed everything (final reads), and
//! the checker that judges the history. The op vocabulary of each workload — what a
//! DB adapter's client must serve — is documented in its module.

mod bank;
mod counter;
mod list_append;
mod register;
mod rw_register;
mod set;
pub mod shop;
#[cfg(test)]
mod testing;

pub use bank::{bank, BANK_ACCOUNTS, BANK_TOTAL};
pub use counter::counter;
pub use list_append::list_append;
pub use register::register;
pub use rw_register::rw_register;
pub use set::set;

use rjepsen_core::generator::Generator;
use rjepsen_core::Checker;

/// A workload, ready to run.
pub struct Workload {
    pub name: String,
    /// Client ops of the main phase; unbounded (the runner applies the time limit).
    pub generator: Box<dyn Generator>,
    /// Client ops after healing and recovery (for example a final read per key).
    pub final_generator: Option<Box<dyn Generator>>,
    pub checker: Box<dyn Checker>,
}

/// Register: ops on a key before moving to a fresh key, unless told otherwise
/// (the CLI's `--ops-per-key` default reads it).
pub const DEFAULT_OPS_PER_KEY: usize = 200;
/// List-append: appends to a key before it is retired (`--max-writes-per-key`).
pub const DEFAULT_MAX_WRITES_PER_KEY: usize = 32;

/// What a workload may be tuned with; every field has a sensible default.
#[derive(Clone, Debug)]
pub struct WorkloadOptions {
    /// Worker threads (client processes at once).
    pub concurrency: usize,
    /// Nodes in the cluster.
    pub node_count: usize,
    /// Register: operations on one key before its threads move to a fresh key.
    pub ops_per_key: usize,
    /// Register: threads that share a key.
    pub threads_per_key: usize,
    /// List-append: appends to one key before it is retired.
    pub max_writes_per_key: usize,
    /// Elle: consistency models to check (empty = strict-serializable).
    pub consistency_models: Vec<String>,
    /// Register: the initial value and what a read of `null` means.
    pub register: rjepsen_checkers::linear::RegisterOptions,
    /// Shop: how spread out its requests are.
    pub shop: shop::ShopLoad,
}

impl Default for WorkloadOptions {
    fn default() -> Self {
        WorkloadOptions {
            concurrency: 10,
            node_count: 5,
            ops_per_key: DEFAULT_OPS_PER_KEY,
            threads_per_key: 5,
            max_writes_per_key: DEFAULT_MAX_WRITES_PER_KEY,
            consistency_models: Vec::new(),
            register: Default::default(),
            shop: Default::default(),
        }
    }
}

/// Names of the workloads `build` knows.
pub const WORKLOADS: &[&str] = &[
    "register",
    "set",
    "list-append",
    "rw-register",
    "bank",
    "counter",
];

/// Workloads tied to one database, with it: their ops are that system's own
/// requests, not a vocabulary every database can serve, so they are not in
/// [`WORKLOADS`] (which must equal `rjepsen_core::serve::WORKLOADS`).
pub const DB_WORKLOADS: &[(&str, &str)] = &[(shop::NAME, "shop")];

/// Total ops per second for `workload` when `--rate` is not given: the
/// shop's own light load ([`shop::DEFAULT_RATE`]), 100 for the others.
pub fn default_rate(workload: &str) -> f64 {
    match workload {
        shop::NAME => shop::DEFAULT_RATE,
        _ => 100.0,
    }
}

/// Checks that `workload` and `db` go together: a workload tied to a database
/// runs only on it, and such a database runs only its own workloads.
pub fn check_pair(workload: &str, db: &str) -> Result<(), String> {
    if let Some((_, only)) = DB_WORKLOADS.iter().find(|(w, _)| *w == workload) {
        if *only != db {
            return Err(format!(
                "--workload {workload} runs only on --db {only} (its requests are that system's), not on {db}"
            ));
        }
    }
    let own: Vec<&str> = DB_WORKLOADS
        .iter()
        .filter(|(_, d)| *d == db)
        .map(|(w, _)| *w)
        .collect();
    if !own.is_empty() && !own.contains(&workload) {
        return Err(format!(
            "--db {db} runs only its own workload (--workload {}), not {workload}",
            own.join(", ")
        ));
    }
    Ok(())
}

/// Builds the named workload.
pub fn build(name: &str, opts: &WorkloadOptions) -> Result<Workload, String> {
    if name != "register" && opts.register != Default::default() {
        return Err(format!(
            "--initial-value and --nil-reads-unknown apply to the register workload, not {name:?}"
        ));
    }
    match name {
        "register" => Ok(register(opts)),
        "set" => Ok(set(opts)),
        "list-append" => list_append(opts),
        "rw-register" => rw_register(opts),
        "bank" => Ok(bank(opts)),
        "counter" => Ok(counter(opts)),
        shop::NAME => Ok(shop::shop(&opts.shop)),
        other => Err(format!(
            "unknown workload {other:?}; known: {}, {}",
            WORKLOADS.join(", "),
            DB_WORKLOADS
                .iter()
                .map(|(w, d)| format!("{w} (--db {d})"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

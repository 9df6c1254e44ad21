//! `rjepsen compare PREVIOUS CURRENT`: regressions between two campaign
//! directories (their summary.json), printed on stdout; exit code 1 on a
//! regression, 0 otherwise.

use crate::cli::CompareArgs;
use crate::config::BadArgs;
use rjepsen_core::campaign::compare::{compare, Thresholds};
use rjepsen_core::campaign::CampaignSummary;

pub fn run(a: &CompareArgs) -> anyhow::Result<i32> {
    let load = |d| CampaignSummary::load(d).map_err(|e| BadArgs(e.to_string()));
    let (prev, cur) = (load(&a.previous)?, load(&a.current)?);
    let th = Thresholds {
        throughput: a.throughput_threshold,
        p99: a.latency_threshold,
    };
    let c = compare(&prev, &cur, th);
    print!("{}", c.render());
    Ok(i32::from(c.regressed()))
}

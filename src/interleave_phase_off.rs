//! `--nemesis interleave` in a build without the shop (feature `shop`): it is
//! refused at parse time; the rest only satisfies the types.

use rjepsen_core::addr::AddrBook;
use rjepsen_core::Checker;
use std::path::Path;
use std::time::Instant;

pub struct HopProxies {
    pub book: AddrBook,
}

impl HopProxies {
    pub fn stop(&self) {}
}

pub fn requested(cfg: &crate::config::TestConfig) -> Result<bool, crate::config::BadArgs> {
    if cfg.nemesis.iter().any(|k| k == "interleave") {
        return Err(crate::config::BadArgs(
            "--nemesis interleave needs the shop, which this build leaves out (feature `shop`)"
                .into(),
        ));
    }
    Ok(false)
}

pub async fn start_hops(_: &[String], _: &AddrBook, _: Instant) -> anyhow::Result<HopProxies> {
    anyhow::bail!("--nemesis interleave needs the shop (feature `shop`)")
}

pub fn checker(inner: Box<dyn Checker>) -> Box<dyn Checker> {
    inner
}

pub fn checker_for_file(inner: Box<dyn Checker>, _: &Path) -> Box<dyn Checker> {
    inner
}

pub fn plan(time_limit: f64) -> (f64, f64) {
    (time_limit, 0.0)
}

pub struct After {
    pub epoch: Instant,
    pub phases: (f64, f64),
    pub ran: bool,
    pub leave_db_running: bool,
}

pub async fn after_observe(
    _: &rjepsen_core::test::Test,
    _: &rjepsen_core::store::StoreRun,
    _: &HopProxies,
    _: &dyn rjepsen_core::db::Db,
    _: After,
) {
}

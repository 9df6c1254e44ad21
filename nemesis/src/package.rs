//! Fault packages, and composing them from `--nemesis`.
//!
//! Each kind of fault is a [`FaultPackage`] (Jepsen's `nemesis/combined`
//! packages are the model): its spec (name, the `f`s that start and stop it, heal
//! rank, colour — the one vocabulary in `rjepsen_core::fault`), the DB ability it
//! needs, its nemesis and schedule, the op that heals it, and a sweep that finds
//! and heals what a run killed mid-fault left behind. [`package`] looks the
//! names up in the registry (`packages/mod.rs`) and composes what they build, so
//! adding a kind is one file and one line there, and nothing else names it.

use crate::compose::Compose;
use crate::packages;
use crate::proxies::LinkProxies;
use async_trait::async_trait;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{FaultBook, FaultSpec};
use rjepsen_core::generator::{Any, Generator, OnNemesis, Seq};
use rjepsen_core::nemesis::{Nemesis, NemesisError};
use rjepsen_core::test::Test;
use serde_json::Value;
use std::sync::Arc;

/// What a package builds from: the DB (for its abilities), the interval, and
/// the test's fault proxies when a proxy package is in play.
pub struct PackageContext {
    pub db: Arc<dyn Db>,
    /// Mean seconds between fault edges (`--nemesis-interval`).
    pub interval_secs: f64,
    /// A planned schedule (`--nemesis-duration`), or None for random waits.
    pub fixed: Option<crate::schedule::FixedPace>,
    /// The proxies in front of the nodes (`rjepsen test` starts them when
    /// [`needs_proxies`] says so); `None` otherwise.
    pub proxies: Option<Arc<dyn LinkProxies>>,
}

/// A package's nemesis and its main-phase schedule (not yet `OnNemesis`).
pub struct Built {
    pub nemesis: Box<dyn Nemesis>,
    pub schedule: Box<dyn Generator>,
}

/// One kind of fault, complete. See docs/nemesis.md, "Adding things".
#[async_trait]
pub trait FaultPackage: Send + Sync {
    /// The spec; its `name` is what `--nemesis` takes.
    fn spec(&self) -> FaultSpec;

    /// The DB ability this fault needs and `db` lacks (`"Kill"`), if any.
    fn missing_ability(&self, _db: &dyn Db) -> Option<&'static str> {
        None
    }

    /// Whether it acts at the test's fault proxies, which then stand in front
    /// of every node (`--nemesis proxy-all` names these; `all` leaves them out).
    fn uses_proxies(&self) -> bool {
        false
    }

    /// Whether `--nemesis all` takes it. A fault that needs an ability of the
    /// nodes rather than the DB (freeze) must be named: `all` is resolved
    /// before any node is reached, from the DB's abilities alone.
    fn in_all(&self) -> bool {
        true
    }

    /// The nemesis and its schedule.
    fn build(&self, ctx: &PackageContext) -> Built;

    /// The value of the heal op (the spec's first stop `f`), and of the stop
    /// ops of its schedule.
    fn heal_value(&self) -> Value {
        Value::Null
    }

    /// Finds what a run that died mid-fault (SIGKILL) left on the nodes, heals
    /// it, and says what it healed: one line per thing, naming the node, and
    /// the nodes where that failed.
    async fn sweep(&self, _test: &Test, _db: Arc<dyn Db>) -> Leftovers {
        Leftovers::default()
    }
}

/// What the runner needs to inject faults: the nemesis, the schedule for the
/// main phase, the generator that heals after it, the kinds in play and their
/// specs. Both generators are already bound to the nemesis (`OnNemesis`).
pub struct NemesisPackage {
    pub nemesis: Box<dyn Nemesis>,
    pub generator: Box<dyn Generator>,
    pub final_generator: Box<dyn Generator>,
    pub kinds: Vec<String>,
    /// The specs of the kinds in play, for the progress line and results.json.
    pub faults: FaultBook,
}

/// Expands `kinds` (package names, `all` or `proxy-all`; one name an item: the
/// command line splits `--nemesis` once, before this) into packages, in
/// registry order: `all` takes every package the DB can serve that needs no
/// proxies, `proxy-all` every one that does; a package named explicitly that
/// the DB cannot serve is an error, and so is an iptables `partition` beside a
/// proxy kind (behind the proxies, peer traffic comes from the control node's
/// address, which such a partition never drops).
pub fn resolve(kinds: &[String], db: &dyn Db) -> Result<Vec<&'static dyn FaultPackage>, String> {
    let registry = packages::registry();
    let serves = |p: &dyn FaultPackage| p.missing_ability(db).is_none();
    let mut chosen: Vec<String> = Vec::new();
    for name in kinds.iter().map(|s| s.trim()) {
        let family = match name {
            "all" => Some(false),
            "proxy-all" => Some(true),
            _ => None,
        };
        if let Some(proxied) = family {
            chosen.extend(
                registry
                    .iter()
                    .filter(|p| serves(**p) && p.uses_proxies() == proxied && p.in_all())
                    .map(|p| p.spec().name),
            );
            continue;
        }
        let Some(p) = registry.iter().find(|p| p.spec().name == name) else {
            let known: Vec<String> = registry.iter().map(|p| p.spec().name).collect();
            return Err(format!(
                "failed to build the nemesis: unknown kind {name:?} (known: {}, all, proxy-all)",
                known.join(", ")
            ));
        };
        if let Some(ability) = p.missing_ability(db) {
            return Err(format!(
                "failed to build the {name} nemesis: the DB does not offer the {ability} ability"
            ));
        }
        chosen.push(name.to_string());
    }
    let resolved: Vec<&'static dyn FaultPackage> = registry
        .iter()
        .filter(|p| chosen.contains(&p.spec().name))
        .copied()
        .collect();
    if resolved.iter().any(|p| p.uses_proxies()) && chosen.iter().any(|n| n == "partition") {
        return Err(
            "failed to build the nemesis: partition (iptables) cannot run beside proxy kinds: \
             behind the proxies every peer connection comes from the control node, which it \
             never cuts; use proxy-partition"
                .into(),
        );
    }
    Ok(resolved)
}

/// Whether `kinds` need the test's fault proxies (a proxy kind is among them);
/// checks `kinds` and the interval as [`package`] does, so that a caller can
/// refuse bad arguments before it starts anything.
pub fn needs_proxies(kinds: &[String], interval_secs: f64, db: &dyn Db) -> Result<bool, String> {
    let resolved = resolve(kinds, db)?;
    check_interval(&resolved, interval_secs)?;
    Ok(resolved.iter().any(|p| p.uses_proxies()))
}

fn check_interval(resolved: &[&dyn FaultPackage], interval_secs: f64) -> Result<(), String> {
    let interval_ok = interval_secs.is_finite() && interval_secs > 0.0;
    if !resolved.is_empty() && !interval_ok {
        return Err(format!(
            "failed to build the nemesis: --nemesis-interval must be a positive number of seconds, not {interval_secs}"
        ));
    }
    Ok(())
}

/// Builds the nemesis, schedule and final generator for `--nemesis KINDS` and
/// `--nemesis-interval SECONDS`. Empty `kinds` gives a no-op nemesis whose
/// generators are done at once.
pub fn package(
    kinds: &[String],
    interval_secs: f64,
    db: Arc<dyn Db>,
) -> Result<NemesisPackage, String> {
    package_with(kinds, interval_secs, db, None)
}

/// [`package`] with the test's proxies, which proxy kinds need (an error
/// without them).
pub fn package_with(
    kinds: &[String],
    interval_secs: f64,
    db: Arc<dyn Db>,
    proxies: Option<Arc<dyn LinkProxies>>,
) -> Result<NemesisPackage, String> {
    package_paced(kinds, interval_secs, None, db, proxies)
}

/// [`package_with`] on a planned schedule when `fixed` is given.
pub fn package_paced(
    kinds: &[String],
    interval_secs: f64,
    fixed: Option<crate::schedule::FixedPace>,
    db: Arc<dyn Db>,
    proxies: Option<Arc<dyn LinkProxies>>,
) -> Result<NemesisPackage, String> {
    let resolved = resolve(kinds, db.as_ref())?;
    check_interval(&resolved, interval_secs)?;
    if let Some(p) = resolved.iter().find(|p| p.uses_proxies()) {
        if proxies.is_none() {
            return Err(format!(
                "failed to build the {} nemesis: the test has no fault proxies",
                p.spec().name
            ));
        }
    }
    let ctx = PackageContext {
        db,
        interval_secs,
        fixed,
        proxies,
    };
    // Teardown and the final generator heal by rank: network, then processes
    // (resumed before they are started), then packet shaping.
    let mut by_rank = resolved.clone();
    by_rank.sort_by_key(|p| p.spec().heal_rank);
    let mut children: Vec<(u32, Box<dyn Nemesis>)> = Vec::new();
    let mut cycles: Vec<Box<dyn Generator>> = Vec::new();
    for p in &resolved {
        let built = p.build(&ctx);
        children.push((p.spec().heal_rank, built.nemesis));
        cycles.push(built.schedule);
    }
    children.sort_by_key(|(rank, _)| *rank);
    let heals = by_rank
        .iter()
        .map(|p| (p.spec().heal_f().to_string(), p.heal_value()))
        .collect();
    let generator: Box<dyn Generator> = if cycles.is_empty() {
        Box::new(Seq::new(Vec::new()))
    } else {
        Box::new(OnNemesis(Any::new(cycles)))
    };
    Ok(NemesisPackage {
        nemesis: Box::new(Compose::new(children.into_iter().map(|(_, n)| n).collect())),
        generator,
        final_generator: Box::new(OnNemesis(crate::schedule::final_generator(heals))),
        kinds: resolved.iter().map(|p| p.spec().name).collect(),
        faults: FaultBook::new(resolved.iter().map(|p| p.spec()).collect()),
    })
}

/// What [`heal_leftovers`] found and healed, and where it failed.
#[derive(Debug, Default)]
pub struct Leftovers {
    /// One line per thing healed, `node: what`, in heal-rank order.
    pub healed: Vec<String>,
    /// The sweeps that failed (each names its nodes).
    pub errors: Vec<NemesisError>,
}

/// Finds and heals, on every node, what an earlier run left of every fault the
/// DB can serve (not only those in `--nemesis`: the earlier run may have used
/// others), package by package in heal-rank order, going on past a failure.
pub async fn heal_leftovers(test: &Test, db: Arc<dyn Db>) -> Leftovers {
    let mut registry: Vec<&'static dyn FaultPackage> = packages::registry().to_vec();
    registry.sort_by_key(|p| p.spec().heal_rank);
    let mut out = Leftovers::default();
    for p in registry {
        if p.missing_ability(db.as_ref()).is_some() {
            continue;
        }
        let found = p.sweep(test, db.clone()).await;
        out.healed.extend(found.healed);
        out.errors.extend(found.errors);
    }
    out
}

#[cfg(test)]
mod tests;

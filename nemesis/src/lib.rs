//! rjepsen-nemesis: faults, and schedules of faults.
//!
//! Each fault is a [`Nemesis`] of its own — [`PartitionNemesis`] (grudges as
//! iptables rules), [`ProcessNemesis`] (kill/pause through the DB's abilities),
//! [`PacketNemesis`] (tc netem) — and [`Compose`] routes ops among them by `f`.
//! [`package`] builds what `--nemesis` and `--nemesis-interval` ask for: the
//! composed nemesis, its schedule, and the final generator that heals everything,
//! checking up front that the DB offers every ability the kinds need.

pub mod compose;
pub mod grudge;
pub mod intervals;
pub(crate) mod nodes;
pub mod packet;
pub mod partition;
pub mod process;
pub mod schedule;

pub use compose::Compose;
pub use grudge::{Grudge, PartitionMode};
pub use intervals::{fault_intervals, FaultInterval};
pub use packet::{Netem, NetemSupport, PacketNemesis};
pub use partition::PartitionNemesis;
pub use process::{ProcessFault, ProcessNemesis};
pub use schedule::{final_generator, FaultCycle, FaultKind};

use rjepsen_core::db::Db;
use rjepsen_core::generator::{Any, Generator, OnNemesis};
use rjepsen_core::nemesis::Nemesis;
use std::sync::Arc;

/// What the runner needs to inject faults: the nemesis, the schedule for the
/// main phase, the generator that heals after it, and the kinds in play. Both
/// generators are already bound to the nemesis (`OnNemesis`): callers use them as
/// they are.
pub struct NemesisPackage {
    pub nemesis: Box<dyn Nemesis>,
    pub generator: Box<dyn Generator>,
    pub final_generator: Box<dyn Generator>,
    pub kinds: Vec<String>,
}

/// Expands `kinds` (`partition`, `kill`, `pause`, `packet`, `all`; one name an
/// item: the command line splits `--nemesis` once, before this): `all` takes
/// every kind the DB can serve; a kind named explicitly that the DB cannot serve
/// is an error.
pub fn resolve_kinds(kinds: &[String], db: &dyn Db) -> Result<Vec<FaultKind>, String> {
    let mut out: Vec<FaultKind> = Vec::new();
    for name in kinds.iter().map(String::as_str) {
        let wanted: Vec<FaultKind> = if name == "all" {
            FaultKind::ALL
                .into_iter()
                .filter(|k| supported(*k, db))
                .collect()
        } else {
            let kind = FaultKind::parse(name).ok_or_else(|| {
                format!("failed to build the nemesis: unknown kind {name:?} (known: partition, kill, pause, packet, all)")
            })?;
            if !supported(kind, db) {
                let ability = if kind == FaultKind::Kill {
                    "Kill"
                } else {
                    "Pause"
                };
                return Err(format!(
                    "failed to build the {name} nemesis: the DB does not offer the {ability} ability"
                ));
            }
            vec![kind]
        };
        for k in wanted {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out.sort_by_key(|k| FaultKind::ALL.iter().position(|x| x == k));
    Ok(out)
}

fn supported(kind: FaultKind, db: &dyn Db) -> bool {
    match kind {
        FaultKind::Kill => ProcessFault::Kill.supported_by(db),
        FaultKind::Pause => ProcessFault::Pause.supported_by(db),
        FaultKind::Partition | FaultKind::Packet => true,
    }
}

/// Builds the nemesis, schedule and final generator for `--nemesis KINDS` and
/// `--nemesis-interval SECONDS`. Empty `kinds` gives a no-op nemesis whose
/// generators are done at once.
pub fn package(
    kinds: &[String],
    interval_secs: f64,
    db: Arc<dyn Db>,
) -> Result<NemesisPackage, String> {
    let resolved = resolve_kinds(kinds, db.as_ref())?;
    let interval_ok = interval_secs.is_finite() && interval_secs > 0.0;
    if !resolved.is_empty() && !interval_ok {
        return Err(format!(
            "failed to build the nemesis: --nemesis-interval must be a positive number of seconds, not {interval_secs}"
        ));
    }
    let primary = db.as_primary().is_some();
    let netem = NetemSupport::default();
    let mut children: Vec<Box<dyn Nemesis>> = Vec::new();
    let mut cycles: Vec<Box<dyn Generator>> = Vec::new();
    // Teardown runs children in this order: network, then processes, resumed
    // before they are started, then packet shaping.
    for kind in [
        FaultKind::Partition,
        FaultKind::Pause,
        FaultKind::Kill,
        FaultKind::Packet,
    ] {
        if !resolved.contains(&kind) {
            continue;
        }
        children.push(match kind {
            FaultKind::Partition => Box::new(PartitionNemesis::new(Some(db.clone()))),
            FaultKind::Pause => Box::new(ProcessNemesis::new(ProcessFault::Pause, db.clone())),
            FaultKind::Kill => Box::new(ProcessNemesis::new(ProcessFault::Kill, db.clone())),
            FaultKind::Packet => Box::new(PacketNemesis::new(netem.clone())),
        });
    }
    for kind in &resolved {
        let values = schedule::start_values(*kind, primary);
        let cycle = FaultCycle::new(*kind, values, interval_secs);
        let cycle = match kind {
            FaultKind::Packet => {
                let netem = netem.clone();
                cycle.offering(move |v| netem.offers(v))
            }
            _ => cycle,
        };
        cycles.push(Box::new(cycle));
    }
    let generator: Box<dyn Generator> = if cycles.is_empty() {
        Box::new(rjepsen_core::generator::Seq::new(Vec::new()))
    } else {
        Box::new(OnNemesis(Any::new(cycles)))
    };
    Ok(NemesisPackage {
        nemesis: Box::new(Compose::new(children)),
        generator,
        final_generator: Box::new(OnNemesis(final_generator(&resolved))),
        kinds: resolved.iter().map(|k| k.as_str().to_string()).collect(),
    })
}

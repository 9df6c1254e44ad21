//! rjepsen-nemesis: faults, and schedules of faults, as packages.
//!
//! Each fault is a [`Nemesis`] of its own — [`PartitionNemesis`] (grudges as
//! iptables rules), [`ProcessNemesis`] (kill/pause through the DB's abilities),
//! [`PacketNemesis`] (tc netem), and for the proxy kinds one nemesis over the
//! test's fault proxies ([`TestProxies`]) — and [`Compose`] routes ops among
//! them by `f`.
//! Each kind is a [`FaultPackage`] in the registry (`packages/`): its spec, the
//! ability it needs, its nemesis and schedule, its heal op and a sweep for what
//! a killed run left. [`package`] composes what `--nemesis` names;
//! [`heal_leftovers`] sweeps before a run.

pub mod compose;
pub mod grudge;
mod link_fault;
pub(crate) mod nodes;
pub mod package;
mod packages;
pub mod packet;
pub mod partition;
pub mod process;
pub mod proxies;
pub mod schedule;

pub use compose::Compose;
pub use grudge::{Grudge, PartitionMode};
pub use package::{
    heal_leftovers, needs_proxies, package, package_paced, package_with, resolve, Built,
    FaultPackage, Leftovers, NemesisPackage, PackageContext,
};
pub use packages::registry;
pub use packet::{Netem, NetemSupport, PacketNemesis};
pub use partition::PartitionNemesis;
pub use process::{ProcessFault, ProcessNemesis};
pub use proxies::{link_toxics, peer_link_bytes, LinkProxies, NodeLink, ProxiesError, TestProxies};
pub use rjepsen_core::fault::{fault_intervals, FaultInterval};
pub use schedule::{final_generator, FaultCycle, FixedPace};

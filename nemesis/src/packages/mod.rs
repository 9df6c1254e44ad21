//! The registry of fault packages: the one list `--nemesis` is looked up in.
//!
//! Order is the order `--nemesis all` lists kinds in (and the order of their
//! schedules); healing goes by each spec's heal rank instead. To add a kind,
//! write its package in a file of its own here and add one line below.

mod freeze;
mod kill;
mod packet;
mod partition;
mod pause;
mod proxy_bandwidth;
mod proxy_delay;
mod proxy_partition;
mod proxy_reset;

use crate::package::{FaultPackage, Leftovers};
#[cfg(test)]
pub(crate) use packet::start_values as packet_start_values;

/// The plan of a proxy kind's start value, for tests of the plans alone.
#[cfg(test)]
pub(crate) fn plan_of(
    kind: &str,
    value: &serde_json::Value,
    nodes: &[String],
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Result<crate::link_fault::Plan, String> {
    use crate::link_fault::LinkFault;
    match kind {
        "proxy-partition" => proxy_partition::Cut.plan(value, nodes, rng),
        "proxy-delay" => proxy_delay::Delay.plan(value, nodes, rng),
        "proxy-reset" => proxy_reset::Reset.plan(value, nodes, rng),
        "proxy-bandwidth" => proxy_bandwidth::Throttle.plan(value, nodes, rng),
        other => Err(format!("no proxy kind {other}")),
    }
}

const REGISTRY: &[&dyn FaultPackage] = &[
    &partition::Partition,
    &kill::Kill,
    &pause::Pause,
    &packet::Packet,
    &proxy_partition::ProxyPartition,
    &proxy_reset::ProxyReset,
    &proxy_delay::ProxyDelay,
    &proxy_bandwidth::ProxyBandwidth,
    &freeze::Freeze,
];

/// Every fault package rjepsen knows.
pub fn registry() -> &'static [&'static dyn FaultPackage] {
    REGISTRY
}

/// Per-node sweep results as lines `node: what` (an empty output: nothing was
/// left there), and one error naming the nodes that failed.
pub(crate) fn sweep_lines(
    what: &str,
    results: Vec<(String, crate::nodes::NodeResult)>,
) -> Leftovers {
    let mut out = Leftovers::default();
    let mut errors = Vec::new();
    for (node, r) in results {
        match r {
            Ok(text) => out.healed.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| format!("{node}: {}", l.trim())),
            ),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        out.errors.push(rjepsen_core::nemesis::NemesisError {
            action: what.to_string(),
            message: errors.join("; "),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rjepsen_core::db::DbError;
    use rjepsen_core::fault::builtin_specs;
    use rjepsen_core::test::Test;

    /// The packages' specs are the built-in vocabulary a report falls back to,
    /// and no two packages claim the same name or `f`.
    #[test]
    fn specs_are_the_builtin_ones_and_fs_are_unique() {
        let specs: Vec<_> = registry().iter().map(|p| p.spec()).collect();
        for s in &specs {
            assert!(builtin_specs().contains(s), "{s:?}");
        }
        let mut fs: Vec<&String> = specs
            .iter()
            .flat_map(|s| s.start.iter().chain(&s.stop))
            .collect();
        let n = fs.len();
        fs.sort();
        fs.dedup();
        assert_eq!(fs.len(), n, "an f belongs to one fault");
    }

    /// A DB with every ability a built-in package asks for.
    struct Able;

    #[async_trait::async_trait]
    impl rjepsen_core::db::Db for Able {
        async fn setup(&self, _: &Test, _: &str) -> Result<(), DbError> {
            Ok(())
        }
        async fn teardown(&self, _: &Test, _: &str) -> Result<(), DbError> {
            Ok(())
        }
        fn ports(&self) -> Option<rjepsen_core::addr::Ports> {
            Some(rjepsen_core::addr::Ports { client: 1, peer: 2 })
        }
        fn as_kill(&self) -> Option<&dyn rjepsen_core::db::Kill> {
            Some(self)
        }
        fn as_pause(&self) -> Option<&dyn rjepsen_core::db::Pause> {
            Some(self)
        }
    }

    #[async_trait::async_trait]
    impl rjepsen_core::db::Kill for Able {
        async fn kill(&self, _: &Test, _: &str) -> Result<(), DbError> {
            Ok(())
        }
        async fn start(&self, _: &Test, _: &str) -> Result<(), DbError> {
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl rjepsen_core::db::Pause for Able {
        async fn pause(&self, _: &Test, _: &str) -> Result<(), DbError> {
            Ok(())
        }
        async fn resume(&self, _: &Test, _: &str) -> Result<(), DbError> {
            Ok(())
        }
    }

    /// Each package's nemesis serves exactly its spec's `f`s, so the schedule,
    /// the routing and the intervals speak the same names.
    #[test]
    fn each_nemesis_serves_its_specs_fs() {
        let ctx = crate::package::PackageContext {
            db: std::sync::Arc::new(Able),
            interval_secs: 1.0,
            fixed: None,
            proxies: None,
        };
        for p in registry() {
            let spec = p.spec();
            assert_eq!(p.missing_ability(&Able), None, "{}", spec.name);
            let mut served = p.build(&ctx).nemesis.fs();
            let mut named: Vec<String> = spec.start.iter().chain(&spec.stop).cloned().collect();
            served.sort();
            named.sort();
            assert_eq!(served, named, "{}", spec.name);
        }
    }

    #[test]
    fn sweep_lines_name_nodes_and_keep_errors() {
        let ok = sweep_lines(
            "x",
            vec![
                ("n1".into(), Ok("iptables chain RJEPSEN\n".into())),
                ("n2".into(), Ok(String::new())),
            ],
        );
        assert_eq!(ok.healed, ["n1: iptables chain RJEPSEN"]);
        assert!(ok.errors.is_empty());
        let err = sweep_lines(
            "heal x",
            vec![("n3".into(), Err("failed to y on n3".into()))],
        );
        assert!(err.healed.is_empty());
        assert!(err.errors[0].to_string().contains("n3"));
    }
}

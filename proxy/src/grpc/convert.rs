//! Library types ↔ protobuf messages. A missing or unknown oneof is a clear
//! `BadFault` error (naming the toxic), never a default fault.

use super::pb;
use crate::{Direction, Fault, FaultSet, Link, ProxyError, Toxic};

pub fn fault_set_to_pb(set: &FaultSet) -> pb::FaultSet {
    pb::FaultSet {
        toxics: set.toxics.iter().map(toxic_to_pb).collect(),
    }
}

pub fn fault_set_from_pb(set: pb::FaultSet) -> Result<FaultSet, ProxyError> {
    let toxics = set
        .toxics
        .into_iter()
        .map(toxic_from_pb)
        .collect::<Result<_, _>>()?;
    Ok(FaultSet { toxics })
}

fn toxic_to_pb(t: &Toxic) -> pb::Toxic {
    pb::Toxic {
        name: t.name.clone(),
        link: Some(pb::Link {
            to: t.link.to.clone(),
            from: t.link.from.clone(),
        }),
        directions: t
            .directions
            .iter()
            .map(|d| match d {
                Direction::Upstream => pb::Direction::Upstream as i32,
                Direction::Downstream => pb::Direction::Downstream as i32,
            })
            .collect(),
        toxicity: t.toxicity,
        fault: Some(fault_to_pb(&t.fault)),
    }
}

fn fault_to_pb(f: &Fault) -> pb::toxic::Fault {
    use pb::toxic::Fault as F;
    match *f {
        Fault::Latency { latency, jitter } => F::Latency(pb::Latency { latency, jitter }),
        Fault::Bandwidth { rate } => F::Bandwidth(pb::Bandwidth { rate }),
        Fault::SlowClose { delay } => F::SlowClose(pb::SlowClose { delay }),
        Fault::Timeout { timeout } => F::Timeout(pb::Timeout { timeout }),
        Fault::ResetPeer { timeout } => F::ResetPeer(pb::ResetPeer { timeout }),
        Fault::Slicer {
            average_size,
            size_variation,
            delay,
        } => F::Slicer(pb::Slicer {
            average_size,
            size_variation,
            delay,
        }),
        Fault::LimitData { bytes } => F::LimitData(pb::LimitData { bytes }),
        Fault::Down => F::Down(pb::Down {}),
    }
}

fn fault_from_pb(f: pb::toxic::Fault) -> Fault {
    use pb::toxic::Fault as F;
    match f {
        F::Latency(l) => Fault::Latency {
            latency: l.latency,
            jitter: l.jitter,
        },
        F::Bandwidth(b) => Fault::Bandwidth { rate: b.rate },
        F::SlowClose(s) => Fault::SlowClose { delay: s.delay },
        F::Timeout(t) => Fault::Timeout { timeout: t.timeout },
        F::ResetPeer(r) => Fault::ResetPeer { timeout: r.timeout },
        F::Slicer(s) => Fault::Slicer {
            average_size: s.average_size,
            size_variation: s.size_variation,
            delay: s.delay,
        },
        F::LimitData(l) => Fault::LimitData { bytes: l.bytes },
        F::Down(_) => Fault::Down,
    }
}

fn toxic_from_pb(t: pb::Toxic) -> Result<Toxic, ProxyError> {
    let bad = |what: &str| ProxyError::BadFault(format!("toxic {:?}: {what}", t.name));
    let link = t.link.as_ref().ok_or_else(|| bad("no link"))?;
    let fault = t.fault.ok_or_else(|| bad("no fault kind"))?;
    let mut directions = Vec::new();
    for d in &t.directions {
        directions.push(match pb::Direction::try_from(*d) {
            Ok(pb::Direction::Upstream) => Direction::Upstream,
            Ok(pb::Direction::Downstream) => Direction::Downstream,
            _ => return Err(bad(&format!("unknown direction {d}"))),
        });
    }
    if directions.is_empty() {
        directions = vec![Direction::Upstream, Direction::Downstream];
    }
    Ok(Toxic {
        name: t.name.clone(),
        fault: fault_from_pb(fault),
        link: Link {
            to: link.to.clone(),
            from: link.from.clone(),
        },
        directions,
        toxicity: t.toxicity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips() {
        let faults = [
            Fault::Latency {
                latency: 200,
                jitter: 50,
            },
            Fault::Bandwidth { rate: 100 },
            Fault::SlowClose { delay: 10 },
            Fault::Timeout { timeout: 0 },
            Fault::ResetPeer { timeout: 5 },
            Fault::Slicer {
                average_size: 10,
                size_variation: 2,
                delay: 7,
            },
            Fault::LimitData { bytes: 99 },
            Fault::Down,
        ];
        let mut set = FaultSet::none();
        for (i, f) in faults.into_iter().enumerate() {
            let t = Toxic::new(&format!("t{i}"), f, Link::between("n2", "n1"))
                .direction(Direction::Downstream)
                .toxicity(0.25);
            set = set.with(t);
        }
        set = set.with(Toxic::new("all", Fault::Down, Link::into("n3")));
        let back = fault_set_from_pb(fault_set_to_pb(&set)).unwrap();
        assert_eq!(back, set);
    }

    #[test]
    fn a_toxic_without_a_fault_is_refused_by_name() {
        let mut pb = fault_set_to_pb(&FaultSet::partition(&[Link::into("n1")]));
        pb.toxics[0].fault = None;
        let e = fault_set_from_pb(pb).unwrap_err().to_string();
        assert!(
            e.contains("partition:n1<-*") && e.contains("no fault kind"),
            "{e}"
        );
    }
}

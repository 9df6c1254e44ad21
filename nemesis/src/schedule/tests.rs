//! Schedules: deterministic from the seed, starts always followed by stops,
//! waits within bounds, kinds overlapping, and the package's up-front checks.

use super::*;
use crate::package;
use async_trait::async_trait;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rjepsen_core::db::{Db, DbError, Kill};
use rjepsen_core::fault::{Edge, FaultBook};
use rjepsen_core::test::Test;
use std::sync::Arc;

/// Drives a generator as a runner with an instant nemesis would, polling every
/// 100 ms: each op is invoked when yielded and completes at once. Stops after
/// `until_ns`.
pub(crate) fn drive(gen: &mut dyn Generator, seed: u64, until_ns: u64) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let free = [Process::Nemesis];
    let workers: [Process; 0] = [];
    let mut time = 0;
    let mut ops = Vec::new();
    while time <= until_ns && ops.len() < 10_000 {
        let mut ctx = Context {
            time,
            free: &free,
            workers: &workers,
            rng: &mut rng,
        };
        match gen.op(&mut ctx) {
            GenOp::Op(op) => {
                assert_eq!(op.process, Process::Nemesis);
                assert_eq!(op.time, time, "ops come when due, timed now");
                time = op.time;
                ops.push(op.clone());
                let ctx = Context {
                    time,
                    free: &free,
                    workers: &workers,
                    rng: &mut rng,
                };
                gen.update(&ctx, &op);
                gen.update(
                    &ctx,
                    &op.complete(rjepsen_core::op::OpType::Info, op.value.clone()),
                );
            }
            GenOp::Pending => time += 100_000_000,
            GenOp::Done => break,
        }
    }
    ops
}

struct KillOnly;

#[async_trait]
impl Db for KillOnly {
    async fn setup(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn teardown(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    fn as_kill(&self) -> Option<&dyn Kill> {
        Some(self)
    }
}

#[async_trait]
impl Kill for KillOnly {
    async fn kill(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn start(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
}

fn kinds(s: &str) -> Vec<String> {
    s.split(',').map(String::from).collect()
}

const MINUTE: u64 = 60_000_000_000;

#[test]
fn same_seed_same_schedule_and_other_seed_differs() {
    let make = || package(&kinds("partition,kill,packet"), 5.0, Arc::new(KillOnly)).unwrap();
    let a = drive(&mut make().generator, 42, 5 * MINUTE);
    let b = drive(&mut make().generator, 42, 5 * MINUTE);
    let c = drive(&mut make().generator, 43, 5 * MINUTE);
    assert!(
        a.len() > 20,
        "five minutes at 5 s give many ops: {}",
        a.len()
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn every_start_is_followed_by_its_stop_and_waits_are_bounded() {
    let pkg = package(&kinds("partition,kill,packet"), 10.0, Arc::new(KillOnly)).unwrap();
    assert_eq!(pkg.kinds, ["partition", "kill", "packet"]);
    let mut gen = pkg.generator;
    let ops = drive(&mut gen, 7, 10 * MINUTE);
    let mut overlapping = 0;
    let book = FaultBook::builtin();
    for kind in ["partition", "kill", "packet"] {
        let spec = book.get(kind).unwrap();
        let (start, stop) = (spec.start[0].as_str(), spec.heal_f());
        let mine: Vec<&Op> = ops.iter().filter(|o| o.f == start || o.f == stop).collect();
        assert!(mine.len() >= 20, "{kind:?}: {}", mine.len());
        for (i, pair) in mine.windows(2).enumerate() {
            let want = if i % 2 == 0 {
                (start, stop)
            } else {
                (stop, start)
            };
            assert_eq!(
                (pair[0].f.as_str(), pair[1].f.as_str()),
                want,
                "{kind:?} alternates"
            );
            let gap = pair[1].time - pair[0].time;
            assert!(
                (4_900_000_000..15_100_000_000).contains(&gap),
                "{kind:?}: wait {gap} ns"
            );
        }
        assert_eq!(mine[0].f, start);
        // Faults of other kinds that start while this one is on.
        for w in mine.chunks(2).filter(|c| c.len() == 2) {
            overlapping += ops
                .iter()
                .filter(|o| {
                    o.time > w[0].time
                        && o.time < w[1].time
                        && book
                            .edge(&o.f)
                            .is_some_and(|(k, e)| e == Edge::Start && k.name != kind)
                })
                .count();
        }
    }
    assert!(overlapping > 0, "kinds overlap");
}

#[test]
fn start_values_vary_and_respect_abilities() {
    let ops = drive(
        &mut package(&kinds("partition"), 1.0, Arc::new(KillOnly))
            .unwrap()
            .generator,
        1,
        2 * MINUTE,
    );
    let modes: std::collections::BTreeSet<String> = ops
        .iter()
        .filter(|o| o.f == "start-partition")
        .map(|o| o.value.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        modes.len(),
        4,
        "majority, one, ring, bridge; no primary without Primary: {modes:?}"
    );
    assert!(!modes.contains("primary"));
    assert!(crate::schedule::targets(true).contains(&"primaries"));
}

#[test]
fn final_generator_heals_each_kind_once_in_order() {
    let pkg = package(&kinds("all"), 5.0, Arc::new(KillOnly)).unwrap();
    assert_eq!(
        pkg.kinds,
        ["partition", "kill", "packet"],
        "all = what the DB can serve"
    );
    let mut fin = pkg.final_generator;
    let fs: Vec<String> = drive(&mut fin, 1, MINUTE)
        .into_iter()
        .map(|o| o.f)
        .collect();
    assert_eq!(fs, ["stop-partition", "start", "stop-packet"]);
}

#[test]
fn package_refuses_what_the_db_cannot_do_and_empty_is_done() {
    let err = package(&kinds("partition,pause"), 5.0, Arc::new(KillOnly))
        .err()
        .unwrap();
    assert!(err.contains("Pause ability"), "{err}");
    let err = package(&kinds("meteor"), 5.0, Arc::new(KillOnly))
        .err()
        .unwrap();
    assert!(err.contains("unknown kind"), "{err}");
    assert!(package(&kinds("kill"), 0.0, Arc::new(KillOnly)).is_err());
    let empty = package(&[], 5.0, Arc::new(KillOnly)).unwrap();
    assert!(empty.kinds.is_empty() && empty.nemesis.fs().is_empty());
    let (mut g, mut f) = (empty.generator, empty.final_generator);
    assert!(drive(&mut g, 1, MINUTE).is_empty());
    assert!(drive(&mut f, 1, MINUTE).is_empty());
}

#[test]
fn nothing_while_the_nemesis_is_busy() {
    let mut gen = package(&kinds("partition"), 1.0, Arc::new(KillOnly))
        .unwrap()
        .generator;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let busy = [Process::Client(0)];
    for t in 0..100 {
        let mut ctx = Context {
            time: t * 1_000_000_000,
            free: &busy,
            workers: &busy,
            rng: &mut rng,
        };
        assert_eq!(gen.op(&mut ctx), GenOp::Pending);
    }
}

#[test]
fn packet_schedule_offers_only_what_the_kernel_can_apply() {
    let values = crate::packages::packet_start_values();
    let spec = FaultBook::builtin().get("packet").unwrap().clone();
    let behaviours = |support: crate::NetemSupport| {
        let cycle = FaultCycle::new(&spec, Value::Null, values.clone(), 1.0);
        let mut gen = cycle.offering(move |v| support.offers(v));
        let ops = drive(&mut gen, 3, 3 * MINUTE);
        ops.iter()
            .filter(|o| o.f == "start-packet")
            .map(|o| o.value["behaviour"].as_str().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let all = behaviours(crate::NetemSupport::default());
    assert_eq!(all.len(), 5, "unknown support: every behaviour: {all:?}");
    let without = behaviours(crate::NetemSupport::assume(false));
    let want: std::collections::BTreeSet<String> =
        ["duplicate", "loss", "rate"].map(String::from).into();
    assert_eq!(without, want);
}

/// Drives `gen` polling every ms, each nemesis op taking `latency_ns` to
/// complete; returns invocations and completions in order.
fn drive_slow(gen: &mut dyn Generator, latency_ns: u64, until_ns: u64) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let workers: [Process; 0] = [];
    let (mut time, mut ops, mut busy_until) = (0, Vec::new(), None::<(u64, Op)>);
    while time <= until_ns {
        if let Some((t, op)) = busy_until.take_if(|(t, _)| *t <= time) {
            let done = Op {
                time: t,
                ..op.complete(rjepsen_core::op::OpType::Ok, op.value.clone())
            };
            let ctx = Context {
                time,
                free: &[Process::Nemesis],
                workers: &workers,
                rng: &mut rng,
            };
            gen.update(&ctx, &done);
            ops.push(done);
        }
        let free: &[Process] = if busy_until.is_some() {
            &[]
        } else {
            &[Process::Nemesis]
        };
        let mut ctx = Context {
            time,
            free,
            workers: &workers,
            rng: &mut rng,
        };
        if let GenOp::Op(op) = gen.op(&mut ctx) {
            ops.push(op.clone());
            busy_until = Some((time + latency_ns, op));
        }
        time += 1_000_000;
    }
    ops
}

/// A fixed pace holds each fault exactly its duration from the start op's
/// completion to the stop op's invocation, whatever the ops' own latency, and
/// records the plan in the start op.
#[test]
fn fixed_pace_holds_each_fault_for_its_duration() {
    let spec = FaultBook::builtin().get("partition").unwrap().clone();
    let pace = FixedPace {
        delay_secs: 2.0,
        duration_secs: 5.0,
    };
    let mut cycle =
        FaultCycle::new(&spec, Value::Null, vec![Value::from("one")], 1.0).paced(Some(pace));
    let ops = drive_slow(&mut cycle, 130_000_000, 30_000_000_000);
    let ms = |i: usize| ops[i].time as f64 / 1e6;
    assert!(ops.len() >= 8, "{} ops", ops.len());
    assert_eq!(ops[0].time, 2_000_000_000, "first start after the delay");
    assert_eq!(ops[0].extra["planned-start"], 2_000_000_000u64);
    assert_eq!(ops[0].extra["planned-duration"], 5_000_000_000u64);
    for k in 0..ops.len() / 4 {
        let (start_done, stop_inv) = (4 * k + 1, 4 * k + 2);
        assert_eq!(ops[stop_inv].f, spec.heal_f());
        let held = ms(stop_inv) - ms(start_done);
        assert!((held - 5000.0).abs() <= 1.0, "fault {k} held {held} ms");
        assert_eq!(
            ops[stop_inv].extra["planned-end"],
            ops[start_done].time + 5_000_000_000
        );
        if 4 * k + 4 < ops.len() {
            let healthy = ms(4 * k + 4) - ms(4 * k + 3);
            assert!((healthy - 2000.0).abs() <= 1.0, "healthy {healthy} ms");
        }
    }
}

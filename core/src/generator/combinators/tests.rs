//! Generators driven by a small simulated scheduler: every op takes `dur` ns, and
//! the clock jumps to the next event, so that tests are instant and deterministic.

use super::*;
use rand::SeedableRng;
use serde_json::json;

/// Runs `gen` with `threads` client workers and a nemesis until it is done (or
/// `max` ops), each op lasting `dur` ns. Returns the invocations in order.
fn run(gen: &mut dyn Generator, threads: u64, dur: u64, max: usize) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let workers: Vec<Process> = (0..threads).map(Process::Client).collect();
    let mut busy: Vec<(u64, Process)> = Vec::new(); // (completion time, process)
    let mut now = 0u64;
    let mut out = Vec::new();
    while out.len() < max {
        let mut free: Vec<Process> = workers
            .iter()
            .filter(|p| !busy.iter().any(|(_, b)| b == *p))
            .cloned()
            .collect();
        if !busy.iter().any(|(_, b)| *b == Process::Nemesis) {
            free.push(Process::Nemesis);
        }
        let mut ctx = Context {
            time: now,
            free: &free,
            workers: &workers,
            rng: &mut rng,
        };
        match gen.op(&mut ctx) {
            GenOp::Op(mut op) => {
                assert!(free.contains(&op.process), "{op:?} not free in {free:?}");
                now = now.max(op.time);
                op.time = now;
                busy.push((now + dur, op.process.clone()));
                gen.update(&ctx_at(now, &free, &workers, &mut rng), &op);
                out.push(op);
            }
            GenOp::Done => break,
            GenOp::Pending => {
                // Advance to the next completion, or a tick if none is in flight.
                busy.sort_by_key(|(t, _)| *t);
                if busy.is_empty() {
                    now += 1_000_000;
                } else {
                    let (t, p) = busy.remove(0);
                    now = now.max(t);
                    let done = Op::invoke(p, "x", json!(null)).ok();
                    gen.update(&ctx_at(now, &free, &workers, &mut rng), &done);
                }
            }
        }
        // Ops whose time has passed complete.
        busy.retain(|(t, _)| *t > now);
    }
    out
}

fn ctx_at<'a>(
    time: u64,
    free: &'a [Process],
    workers: &'a [Process],
    rng: &'a mut ChaCha8Rng,
) -> Context<'a> {
    Context {
        time,
        free,
        workers,
        rng,
    }
}

fn reads() -> OnClients<FnGen<impl FnMut(&mut ChaCha8Rng) -> (String, Value) + Send>> {
    OnClients(FnGen(|_: &mut ChaCha8Rng| {
        ("read".to_string(), Value::Null)
    }))
}

#[test]
fn limit_and_once() {
    let ops = run(&mut Limit::new(5, reads()), 2, 10, 100);
    assert_eq!(ops.len(), 5);
    let ops = run(
        &mut Once::nemesis("start-partition", json!("one")),
        2,
        10,
        100,
    );
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].process, Process::Nemesis);
}

#[test]
fn time_limit_stops_on_time() {
    // 1 ms ops, 2 threads, for 10 ms: about 20 ops, none invoked at or after 10 ms.
    let ops = run(&mut TimeLimit::new(0.010, reads()), 2, 1_000_000, 1000);
    assert!((18..=22).contains(&ops.len()), "{}", ops.len());
    assert!(ops.iter().all(|o| o.time < 10_000_000));
}

#[test]
fn rate_spaces_ops_evenly_and_stagger_on_average() {
    let ops = run(
        &mut Limit::new(11, Stagger::rate(100.0, reads())),
        4,
        10,
        100,
    );
    let gaps: Vec<u64> = ops.windows(2).map(|w| w[1].time - w[0].time).collect();
    assert!(gaps.iter().all(|g| *g == 10_000_000), "{gaps:?}");
    let ops = run(
        &mut Limit::new(1001, Stagger::new(0.01, reads())),
        4,
        10,
        2000,
    );
    let span = ops.last().unwrap().time - ops[0].time;
    let mean = span as f64 / 1000.0;
    assert!((9e6..11e6).contains(&mean), "mean gap {mean}");
}

#[test]
fn mix_uses_every_child() {
    let gens: Vec<Box<dyn Generator>> = vec![
        Box::new(Limit::new(30, reads())),
        Box::new(Limit::new(
            30,
            OnClients(FnGen(|_: &mut ChaCha8Rng| ("write".to_string(), json!(1)))),
        )),
    ];
    let ops = run(&mut Mix(gens), 3, 10, 1000);
    assert_eq!(ops.len(), 60);
    let writes = ops.iter().take(20).filter(|o| o.f == "write").count();
    assert!(
        (3..=17).contains(&writes),
        "first 20 ops not mixed: {writes}"
    );
}

#[test]
fn phases_wait_for_ops_in_flight() {
    let mut gen = Phases::new(vec![
        Box::new(Limit::new(3, reads())),
        Box::new(Once::new("final", json!(null))),
    ]);
    // Ops last 100 ns: the final op must start after every read completed.
    let ops = run(&mut gen, 3, 100, 100);
    assert_eq!(ops.len(), 4);
    let last_read_end = ops[..3].iter().map(|o| o.time + 100).max().unwrap();
    assert!(ops[3].time >= last_read_end, "{ops:?}");
}

#[test]
fn any_routes_clients_and_nemesis() {
    let mut gen = TimeLimit::new(
        0.001,
        Any::new(vec![
            Box::new(reads()),
            Box::new(OnNemesis(Stagger::rate(
                10_000.0,
                FnGen(|_: &mut ChaCha8Rng| ("kill".to_string(), json!("one"))),
            ))),
        ]),
    );
    let ops = run(&mut gen, 2, 50_000, 1000);
    let nemesis: Vec<&Op> = ops.iter().filter(|o| o.f == "kill").collect();
    assert!(!nemesis.is_empty());
    assert!(nemesis.iter().all(|o| o.process == Process::Nemesis));
    assert!(ops
        .iter()
        .filter(|o| o.f == "read")
        .all(|o| matches!(o.process, Process::Client(_))));
}

#[test]
fn each_thread_gives_every_thread_its_own_copy() {
    let mut gen = EachThread::new(|| Box::new(Once::new("read", json!(null))));
    let ops = run(&mut gen, 4, 10, 100);
    let mut procs: Vec<Process> = ops.iter().map(|o| o.process.clone()).collect();
    procs.sort();
    assert_eq!(procs, (0..4).map(Process::Client).collect::<Vec<_>>());
}

#[test]
fn sleep_then_seq() {
    let mut gen = Seq::new(vec![
        Box::new(Sleep::secs(0.005)),
        Box::new(Once::new("read", json!(null))),
    ]);
    let ops = run(&mut gen, 1, 10, 10);
    assert_eq!(ops.len(), 1);
    assert!(ops[0].time >= 5_000_000);
}

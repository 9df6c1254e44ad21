//! Helpers for the generator tests of every workload: drive a generator as the
//! runner would, without a runner, so that its ops can be compared and inspected.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rjepsen_core::generator::{Context, GenOp, Generator};
use rjepsen_core::op::{Op, Process};

/// `n` ops, the i-th asked with only `free[i % free.len()]` free (as if every
/// other process were busy), at time `i` ns.
pub(crate) fn take(gen: &mut dyn Generator, free: &[Process], n: usize, seed: u64) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let one = [free[i % free.len()].clone()];
        let mut ctx = Context {
            time: i as u64,
            free: &one,
            workers: free,
            rng: &mut rng,
        };
        match gen.op(&mut ctx) {
            GenOp::Op(op) => {
                assert_eq!(op.process, one[0], "an op for a process that is not free");
                out.push(op)
            }
            other => panic!("expected an op with a free client, got {other:?}"),
        }
    }
    out
}

/// Every op of a finite generator, every worker free at each ask (as if each
/// op completed at once); panics if it yields more than `cap` or stays pending.
pub(crate) fn drain(gen: &mut dyn Generator, workers: &[Process], cap: usize) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut out = Vec::new();
    loop {
        let mut ctx = Context {
            time: 0,
            free: workers,
            workers,
            rng: &mut rng,
        };
        match gen.op(&mut ctx) {
            GenOp::Op(op) => out.push(op),
            GenOp::Done => return out,
            GenOp::Pending => panic!("pending although every worker is free"),
        }
        assert!(
            out.len() <= cap,
            "more than {cap} ops from a finite generator"
        );
    }
}

/// Client processes `0..n`.
pub(crate) fn clients(n: u64) -> Vec<Process> {
    (0..n).map(Process::Client).collect()
}

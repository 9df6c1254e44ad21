//! Did the run test anything? A history with almost no successful client ops,
//! or a run whose nemesis was asked for and never injected a fault, proves
//! nothing however valid it looks: this checker answers `Unknown` for it, with
//! the reason, so that a nightly run against a cluster that was down all along
//! is not counted as a pass.
//!
//! It is composed beside the workload's checker by `test` and `analyze`;
//! `Unknown` is below `Invalid`, so a real anomaly still wins.

use rjepsen_core::checker::{CheckContext, CheckResult, Checker, Valid};
use rjepsen_core::fault::{fault_intervals, FaultBook};
use rjepsen_core::{History, OpType};
use serde_json::json;

/// See the module documentation.
pub struct Coverage {
    /// Worker threads of the run (the ok ops are divided among them).
    pub concurrency: usize,
    /// Fewer ok client ops per worker thread than this is unknown (0: off).
    pub min_ok_per_process: f64,
    /// The fault packages asked for (empty: no nemesis, nothing required).
    pub faults: FaultBook,
}

impl Checker for Coverage {
    fn check(&self, _ctx: &CheckContext, history: &History) -> CheckResult {
        let ok = history
            .ops
            .iter()
            .filter(|o| o.is_client() && o.kind == OpType::Ok)
            .count();
        let per_process = ok as f64 / self.concurrency.max(1) as f64;
        let mut reasons = Vec::new();
        if per_process < self.min_ok_per_process {
            reasons.push(format!(
                "only {ok} ok client ops for {} worker threads ({per_process:.1} each, fewer than the minimum of {})",
                self.concurrency, self.min_ok_per_process
            ));
        }
        let intervals = fault_intervals(&history.ops, &self.faults);
        let never: Vec<&str> = self
            .faults
            .specs()
            .iter()
            .map(|s| s.name.as_str())
            .filter(|name| !intervals.iter().any(|i| i.kind == *name))
            .collect();
        if !never.is_empty() {
            reasons.push(format!(
                "nemesis asked for but never injected: {}",
                never.join(", ")
            ));
        }
        let injected: Vec<&str> = self
            .faults
            .specs()
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| !never.contains(n))
            .collect();
        let valid = if reasons.is_empty() {
            Valid::Valid
        } else {
            Valid::Unknown
        };
        let mut r = CheckResult::new(valid)
            .with("ok-count", ok)
            .with("ok-per-process", json!(per_process))
            .with("min-ok-per-process", json!(self.min_ok_per_process))
            .with("faults-injected", json!(injected));
        if !reasons.is_empty() {
            r = r.with("error", reasons.join("; "));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rjepsen_core::fault::builtin_spec;
    use rjepsen_core::{Op, Process};
    use serde_json::Value;

    /// `n` ok reads by process 0, and a partition started and stopped if asked.
    fn history(n: usize, partitioned: bool) -> History {
        let mut ops = Vec::new();
        for _ in 0..n {
            let inv = Op::invoke(Process::Client(0), "read", Value::Null);
            ops.push(inv.clone());
            ops.push(inv.ok());
        }
        if partitioned {
            let start = Op::invoke(Process::Nemesis, "start-partition", Value::Null);
            let stop = Op::invoke(Process::Nemesis, "stop-partition", Value::Null);
            ops.extend([start.clone(), start.ok(), stop.clone(), stop.ok()]);
        }
        for (i, op) in ops.iter_mut().enumerate() {
            op.index = i as u64;
            op.time = i as u64;
        }
        History::new(ops)
    }

    fn check(c: &Coverage, h: &History) -> CheckResult {
        c.check(&CheckContext::default(), h)
    }

    #[test]
    fn too_few_ok_ops_or_a_fault_never_injected_is_unknown() {
        let partition = FaultBook::new(vec![builtin_spec("partition").unwrap()]);
        let table: &[(usize, bool, FaultBook, Valid, &str)] = &[
            (20, false, FaultBook::new(vec![]), Valid::Valid, ""),
            (
                9,
                false,
                FaultBook::new(vec![]),
                Valid::Unknown,
                "only 9 ok",
            ),
            (20, true, partition.clone(), Valid::Valid, ""),
            (
                20,
                false,
                partition.clone(),
                Valid::Unknown,
                "never injected: partition",
            ),
            (0, false, partition, Valid::Unknown, "only 0 ok"),
        ];
        for (n, partitioned, faults, want, why) in table {
            let c = Coverage {
                concurrency: 2,
                min_ok_per_process: 5.0,
                faults: faults.clone(),
            };
            let r = check(&c, &history(*n, *partitioned));
            assert_eq!(r.valid, *want, "{n} ops, partitioned {partitioned}: {r:?}");
            let error = r.details.get("error").and_then(Value::as_str).unwrap_or("");
            assert!(error.contains(why), "{error:?} lacks {why:?}");
        }
    }

    #[test]
    fn zero_turns_the_ok_rule_off() {
        let c = Coverage {
            concurrency: 4,
            min_ok_per_process: 0.0,
            faults: FaultBook::new(vec![]),
        };
        assert_eq!(check(&c, &history(0, false)).valid, Valid::Valid);
    }
}

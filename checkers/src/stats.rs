//! Jepsen's `stats` checker: how many ops of each `f` succeeded, failed or ended
//! unknown. Invalid when some `f` never succeeded — a test where every write
//! failed proves nothing, however linearizable its reads.

use rjepsen_core::checker::{CheckContext, CheckResult, Checker, Valid};
use rjepsen_core::{History, OpType};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// See the module documentation.
pub struct Stats;

#[derive(Default)]
struct Counts {
    ok: u64,
    fail: u64,
    info: u64,
}

impl Counts {
    fn add(&mut self, kind: OpType) {
        match kind {
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
            OpType::Invoke => {}
        }
    }

    fn json(&self) -> Value {
        json!({
            "valid?": self.ok > 0,
            "count": self.ok + self.fail + self.info,
            "ok-count": self.ok,
            "fail-count": self.fail,
            "info-count": self.info,
        })
    }
}

impl Checker for Stats {
    fn check(&self, _ctx: &CheckContext, history: &History) -> CheckResult {
        let mut all = Counts::default();
        let mut by_f: BTreeMap<&str, Counts> = BTreeMap::new();
        for op in history
            .ops
            .iter()
            .filter(|o| o.is_client() && !o.is_invoke())
        {
            all.add(op.kind);
            by_f.entry(op.f.as_str()).or_default().add(op.kind);
        }
        let valid = if by_f.is_empty() {
            Valid::Unknown
        } else if by_f.values().all(|c| c.ok > 0) {
            Valid::Valid
        } else {
            Valid::Invalid
        };
        let by_f_json: Map<String, Value> = by_f
            .iter()
            .map(|(f, c)| (f.to_string(), c.json()))
            .collect();
        let mut details = match all.json() {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        details.remove("valid?");
        details.insert("by-f".into(), Value::Object(by_f_json));
        CheckResult { valid, details }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rjepsen_core::{Op, Process};

    fn history(outcomes: &[(&str, OpType)]) -> History {
        let mut ops = Vec::new();
        for (i, (f, kind)) in outcomes.iter().enumerate() {
            let inv = Op::invoke(Process::Client(i as u64), *f, Value::Null);
            ops.push(inv.clone());
            ops.push(inv.complete(*kind, Value::Null));
        }
        History::new(ops)
    }

    #[test]
    fn table() {
        use OpType::*;
        let cases: &[(&[(&str, OpType)], Valid)] = &[
            (
                &[("read", Ok), ("write", Ok), ("write", Info)],
                Valid::Valid,
            ),
            (
                &[("read", Ok), ("write", Fail), ("write", Info)],
                Valid::Invalid,
            ),
            (&[], Valid::Unknown),
        ];
        for (ops, want) in cases {
            let r = Stats.check(&CheckContext::default(), &history(ops));
            assert_eq!(r.valid, *want, "{ops:?}");
        }
        let r = Stats.check(&CheckContext::default(), &history(cases[1].0));
        assert_eq!(r.details["by-f"]["write"]["info-count"], 1);
        assert_eq!(r.details["count"], 3);
    }
}

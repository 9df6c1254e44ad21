//! Evidence for a key that is not linearizable, as JSON, text and SVG.
//!
//! What a person needs to see: how far a legal order got (the longest linearizable
//! prefix, shown by its last ops with the state after each), which op could not be
//! placed next, in which states the model could have been at that point, and the
//! window of the history around it: from the earliest op not yet placed to the
//! completion of the op that could not be placed.

use super::model::{Atoms, Model};
use super::prepare::Call;
use super::reach::Impossible;
use super::svg::{self, Bar, BarKind};
use super::wgl::Failure;
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{Entry, OpType, Valid};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// Ops of the prefix shown in full (the last ones before the failure).
const PREFIX_TAIL: usize = 20;
/// Ops of the window listed in the JSON.
const WINDOW_OPS: usize = 40;

/// The verdict for one key, with its evidence.
pub(crate) struct KeyReport {
    pub valid: Valid,
    pub key: Option<Value>,
    pub details: Value,
    pub explanation: String,
    /// Index of the op the report is about, to sort reports by history order.
    pub first_index: u64,
    /// Whether the costlier evidence (prefix, smallest window, SVG) was computed.
    pub detailed: bool,
}

impl KeyReport {
    pub(crate) fn valid(key: Option<Value>) -> KeyReport {
        KeyReport {
            valid: Valid::Valid,
            key,
            details: Value::Null,
            explanation: String::new(),
            first_index: 0,
            detailed: false,
        }
    }

    pub(crate) fn error(key: Option<Value>, message: String) -> KeyReport {
        let details = json!({ "key": key, "error": message });
        KeyReport {
            valid: Valid::Unknown,
            key,
            details,
            explanation: message,
            first_index: 0,
            detailed: false,
        }
    }
}

/// Everything needed to describe one key's ops.
pub(crate) struct Ctx<'a, M: Model, E: Entry> {
    pub model: &'a M,
    pub ops: &'a [E],
    pub calls: &'a [Call<M::Op>],
    pub atoms: &'a Atoms,
    pub key: Option<Value>,
    pub out: &'a CheckContext,
    /// Whether this key's evidence includes an SVG (only the first few keys do).
    pub svg: std::cell::Cell<bool>,
}

impl<M: Model, E: Entry> Ctx<'_, M, E> {
    fn key_name(&self) -> String {
        self.key
            .as_ref()
            .map_or_else(|| "the history".to_string(), |k| format!("key {k}"))
    }

    /// The op's value as this key sees it (without the `[k, v]` wrapper).
    fn shown_value<'v>(&self, v: &'v Value) -> &'v Value {
        match (self.key.is_some(), v) {
            (true, Value::Array(kv)) if kv.len() == 2 => &kv[1],
            _ => v,
        }
    }

    fn describe(&self, id: u32) -> String {
        let c = &self.calls[id as usize];
        let inv = &self.ops[c.invoke];
        let (kind, value) = match c.ret {
            Some(r) => (OpType::Ok, self.ops[r].value()),
            None => (OpType::Info, inv.value()),
        };
        format!(
            "{} {} {} by process {} (index {})",
            kind.as_str(),
            inv.f(),
            self.shown_value(value),
            inv.process(),
            inv.index()
        )
    }

    /// The states as a person reads them, sorted so that the text is stable.
    fn shown_states(&self, states: &[M::State]) -> Vec<String> {
        let mut shown: Vec<String> = states
            .iter()
            .map(|s| self.model.show_state(s, self.atoms))
            .collect();
        shown.sort();
        shown
    }

    fn states_text(&self, states: &[M::State]) -> String {
        self.shown_states(states).join(", ")
    }

    /// Replays `order` and lists its last ops with the state after each.
    fn prefix_tail(&self, order: &[u32]) -> Vec<Value> {
        let mut state = Some(self.model.init());
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let skip = order.len().saturating_sub(PREFIX_TAIL);
        for (i, &id) in order.iter().enumerate() {
            if let Some(s) = &state {
                buf.clear();
                self.model.step(s, &self.calls[id as usize].op, &mut buf);
                state = buf.drain(..).next();
            }
            if i >= skip {
                let after = state.as_ref().map(|s| self.model.show_state(s, self.atoms));
                out.push(json!({ "op": self.describe(id), "state-after": after }));
            }
        }
        out
    }

    /// `window`: the start of a window proven to fail on its own, if one was found.
    pub(crate) fn invalid(&self, mut f: Failure<M::State>, window: Option<usize>) -> KeyReport {
        if let Some(s) = window {
            f.window_start = s;
        }
        let why = match f.blocking {
            Some(b) => format!(
                "then {} could not be placed: the model could only have been in {}",
                self.describe(b),
                self.states_text(&f.states)
            ),
            None => "then no remaining op could be placed".to_string(),
        };
        let mut r = self.report(
            Valid::Invalid,
            &f.order,
            f.blocking,
            &f.states,
            f.window_start,
            why,
        );
        if window.is_some() {
            r.explanation.push_str(
                " That window cannot be linearized on its own, from any state the model could \
                 have been in when it began.",
            );
            r.details["explanation"] = json!(r.explanation);
            r.details["window"]["fails-alone"] = json!(true);
        }
        r
    }

    pub(crate) fn unknown(&self, reason: String, f: Failure<M::State>) -> KeyReport {
        let why = format!("the search stopped: {reason}");
        self.report(
            Valid::Unknown,
            &f.order,
            f.blocking,
            &f.states,
            f.window_start,
            why,
        )
    }

    pub(crate) fn impossible(&self, imp: Impossible<M::State>, order: Vec<u32>) -> KeyReport {
        let states = self.states_text(&imp.states);
        let why = match imp.after {
            None if imp.states.is_empty() => format!(
                "then {} could not be placed: it observed a value that no op invoked before it \
                 returned could have produced",
                self.describe(imp.call)
            ),
            None => format!(
                "then {} could not be placed: before it returned, the model could only reach {states} \
                 (every op invoked so far, in any order), and none of them allows it",
                self.describe(imp.call)
            ),
            Some(w) => format!(
                "then {} could not be placed: it began after {} had returned, and from there the {} \
                 ops that could take effect in between (in any order) only reach {states}, none of \
                 which allows it",
                self.describe(imp.call),
                self.describe(w),
                imp.between.len()
            ),
        };
        let first = match imp.after {
            Some(w) => self.calls[w as usize].invoke,
            None => self.window_start(&order, imp.call),
        };
        self.report(
            Valid::Invalid,
            &order,
            Some(imp.call),
            &imp.states,
            first,
            why,
        )
    }

    /// Earliest invocation among ok ops not in `order` that overlap the failing op.
    fn window_start(&self, order: &[u32], bad: u32) -> usize {
        let placed: HashSet<u32> = order.iter().copied().collect();
        let end = self.calls[bad as usize].ret.unwrap_or(usize::MAX);
        let bad_invoke = self.calls[bad as usize].invoke;
        self.calls
            .iter()
            .enumerate()
            .filter(|(id, c)| !placed.contains(&(*id as u32)) && c.ret.is_some() && c.invoke < end)
            .map(|(_, c)| c.invoke)
            .min()
            .unwrap_or(bad_invoke)
    }

    fn report(
        &self,
        valid: Valid,
        order: &[u32],
        blocking: Option<u32>,
        states: &[M::State],
        start: usize,
        why: String,
    ) -> KeyReport {
        let end = blocking
            .and_then(|b| self.calls[b as usize].ret)
            .unwrap_or(self.ops.len().saturating_sub(1));
        let start = start.min(end);
        let window: Vec<u32> = (0..self.calls.len() as u32)
            .filter(|&id| {
                let c = &self.calls[id as usize];
                c.invoke <= end && c.ret.is_none_or(|r| r >= start)
            })
            .collect();
        let crashed_before = window
            .iter()
            .filter(|&&id| {
                self.calls[id as usize].ret.is_none() && self.calls[id as usize].invoke < start
            })
            .count();
        let verdict = if valid == Valid::Invalid {
            "not linearizable"
        } else {
            "unknown"
        };
        let label = if valid == Valid::Invalid {
            "Failing window"
        } else {
            "Where the search stood"
        };
        let explanation = format!(
            "{}: {verdict}. The longest linearizable prefix found has {} ops; {why}. {label}: \
             history indices {}..{} ({} ops of this key, plus {crashed_before} earlier ops whose \
             outcome is unknown).",
            self.key_name(),
            order.len(),
            self.ops[start].index(),
            self.ops[end].index(),
            window.len() - crashed_before
        );
        let mut details = json!({
            "key": self.key,
            "explanation": explanation,
            "op": blocking.map(|b| self.call_json(b)),
            "states": self.shown_states(states),
            "linearized-count": order.len(),
            "linearized-tail": self.prefix_tail(order),
            "window": {
                "from-index": self.ops[start].index(),
                "to-index": self.ops[end].index(),
                "op-count": window.len() - crashed_before,
                "earlier-unknown-ops": crashed_before,
                "ops": window.iter().take(WINDOW_OPS).map(|&id| self.call_json(id)).collect::<Vec<_>>(),
            },
        });
        if let Some(path) = self.write_svg(order, blocking, &window, &explanation) {
            details["svg"] = json!(path);
        }
        let first_index = blocking.map_or(0, |b| self.ops[self.calls[b as usize].invoke].index());
        KeyReport {
            valid,
            key: self.key.clone(),
            details,
            explanation,
            first_index,
            detailed: self.svg.get(),
        }
    }

    fn call_json(&self, id: u32) -> Value {
        let c = &self.calls[id as usize];
        let mut v = op_json(&self.ops[c.invoke]);
        if let Some(r) = c.ret {
            v["type"] = json!("ok");
            v["value"] = self.ops[r].value().clone();
            v["completion-index"] = json!(self.ops[r].index());
        } else {
            v["type"] = json!("info");
        }
        v
    }

    fn write_svg(
        &self,
        order: &[u32],
        blocking: Option<u32>,
        window: &[u32],
        title: &str,
    ) -> Option<String> {
        if !self.svg.get() {
            return None;
        }
        let dir = self.out.out_dir.as_ref()?;
        let placed: HashSet<u32> = order.iter().copied().collect();
        let bars: Vec<Bar> = window
            .iter()
            .take(120)
            .map(|&id| {
                let c = &self.calls[id as usize];
                let inv = &self.ops[c.invoke];
                let kind = match () {
                    _ if Some(id) == blocking => BarKind::Failing,
                    _ if placed.contains(&id) => BarKind::Linearized,
                    _ if c.ret.is_none() => BarKind::Crashed,
                    _ => BarKind::Pending,
                };
                let value = c.ret.map_or(inv.value(), |r| self.ops[r].value());
                let label = format!("{} {} #{}", inv.f(), self.shown_value(value), inv.index());
                Bar {
                    lane: inv.process().to_string(),
                    start: c.invoke,
                    end: c.ret,
                    label,
                    kind,
                }
            })
            .collect();
        let name = match &self.key {
            Some(k) => {
                let k = k
                    .to_string()
                    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
                format!("linear-{k}.svg")
            }
            None => "linear.svg".to_string(),
        };
        let path = dir.join(name);
        std::fs::create_dir_all(dir).ok()?;
        std::fs::write(&path, svg::render(title, &bars)).ok()?;
        Some(path.display().to_string())
    }
}

/// Builds the JSON of one op of the history, for evidence.
fn op_json<E: Entry>(op: &E) -> Value {
    let mut m = Map::new();
    m.insert("index".into(), json!(op.index()));
    m.insert("type".into(), json!(op.kind().as_str()));
    m.insert(
        "process".into(),
        serde_json::to_value(op.process()).unwrap_or(Value::Null),
    );
    m.insert("f".into(), json!(op.f()));
    m.insert("value".into(), op.value().clone());
    Value::Object(m)
}

//! Transactions in a compact form: what every Elle analysis reads.
//!
//! A million-transaction history held as `serde_json::Value`s is large and slow to
//! walk, so the checker first flattens it once: keys are interned to `u32`, values
//! are `i64` (integers as they are, anything else interned to a negative id), every
//! micro-op is a fixed-size [`Mop`] in one arena, and list reads share one element
//! arena. Analyses then index arrays instead of hashing JSON.

use super::tree::{Json, Tree};
use rjepsen_core::{History, OpType, Process};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hash map with a cheap multiplicative hash: keys here are small integers
/// from the history itself, and hashing dominates the per-element work.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// Index of a transaction in [`Txns::txns`].
pub(crate) type TxnId = u32;

/// Whether a transaction happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    /// Indeterminate: it may have happened, at any time after its invocation.
    Info,
    /// It did not happen: nothing it wrote may ever be observed.
    Fail,
}

/// What a micro-op does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MopKind {
    Append,
    Read,
    Write,
}

/// Marks a read whose result is unknown (an invocation, or an info completion).
pub(crate) const UNKNOWN: u32 = u32::MAX;

/// One micro-op. For `Append`/`Write`, `val` is the value written. For a list
/// `Read`, `val` is the start of the elements in [`Txns::elems`] and `len` their
/// count; for a register `Read`, `val` is the value and `len` is 1, or 0 for nil.
/// `len == UNKNOWN` means the read's result is not known.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mop {
    pub kind: MopKind,
    pub key: u32,
    pub val: i64,
    pub len: u32,
}

/// One transaction: an invocation paired with its completion.
#[derive(Clone, Debug)]
pub(crate) struct Txn {
    pub outcome: Outcome,
    pub process: u64,
    /// Positions of the invocation and completion in the history's op list.
    pub invoke_pos: u32,
    pub complete_pos: Option<u32>,
    /// The `index` a person finds in the history file (the completion's for an ok
    /// txn, which carries the read values; the invocation's otherwise).
    pub index: u64,
    /// The invocation's `index`.
    pub invoke_index: u64,
    pub mop_start: u32,
    pub mop_len: u16,
}

/// All transactions of a history, flattened.
#[derive(Default)]
pub(crate) struct Txns {
    pub txns: Vec<Txn>,
    pub mops: Vec<Mop>,
    pub elems: Vec<i64>,
    /// Whether reads return lists (list-append) or single values (rw-register).
    pub lists: bool,
    /// Reused buffer for flattening one transaction.
    scratch: Vec<Mop>,
    keys: Interner,
    vals: Interner,
}

/// Maps JSON scalars to dense ids and back, for keys and non-integer values.
#[derive(Default)]
struct Interner {
    ints: FastMap<i64, u32>,
    others: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id<'a, T: Tree<'a>>(&mut self, t: T, v: T::Node) -> u32 {
        if let Some(i) = t.int(v) {
            if let Some(&id) = self.ints.get(&i) {
                return id;
            }
            let id = self.names.len() as u32;
            self.ints.insert(i, id);
            self.names.push(i.to_string());
            return id;
        }
        let name = match t.text(v) {
            Some(s) => s.to_string(),
            None => t.show(v),
        };
        if let Some(&id) = self.others.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.others.insert(name.clone(), id);
        self.names.push(name);
        id
    }
}

impl Txns {
    pub fn mops(&self, t: TxnId) -> &[Mop] {
        let t = &self.txns[t as usize];
        &self.mops[t.mop_start as usize..t.mop_start as usize + t.mop_len as usize]
    }

    /// The elements of a known list read.
    pub fn list(&self, m: &Mop) -> &[i64] {
        &self.elems[m.val as usize..m.val as usize + m.len as usize]
    }

    /// How a person finds this transaction in the history: `T<index>`.
    pub fn name(&self, t: TxnId) -> String {
        format!("T{}", self.txns[t as usize].index)
    }

    /// The micro-ops of a transaction as Jepsen prints them.
    pub fn render(&self, t: TxnId) -> String {
        let parts: Vec<String> = self
            .mops(t)
            .iter()
            .map(|m| {
                let k = self.key_name(m.key);
                match m.kind {
                    MopKind::Append => format!("[append {k} {}]", self.val_name(m.val)),
                    MopKind::Write => format!("[w {k} {}]", self.val_name(m.val)),
                    MopKind::Read => format!("[r {k} {}]", self.render_read(m)),
                }
            })
            .collect();
        format!("[{}]", parts.join(" "))
    }

    /// The result of a read as text: a list, a value, or nil.
    pub fn render_read(&self, m: &Mop) -> String {
        match m.len {
            UNKNOWN => "nil".into(),
            _ if self.lists => {
                let items: Vec<String> = self.list(m).iter().map(|&v| self.val_name(v)).collect();
                format!("[{}]", items.join(" "))
            }
            0 => "nil".into(),
            _ => self.val_name(m.val),
        }
    }

    pub fn key_count(&self) -> usize {
        self.keys.names.len()
    }

    pub fn key_name(&self, k: u32) -> &str {
        &self.keys.names[k as usize]
    }

    /// A value as a person reads it.
    pub fn val_name(&self, v: i64) -> String {
        if v < 0 && v >= -(self.vals.names.len() as i64) {
            self.vals.names[(-v - 1) as usize].clone()
        } else {
            v.to_string()
        }
    }

    /// Value to its `i64` form: integers >= 0 as themselves, others interned.
    fn value<'a, T: Tree<'a>>(&mut self, t: T, v: T::Node) -> i64 {
        match t.int(v) {
            Some(i) if i >= 0 => i,
            _ => -(self.vals.id(t, v) as i64) - 1,
        }
    }
}

/// Why a history could not be read as transactions.
#[derive(Debug, thiserror::Error)]
#[error("failed to read transaction at history index {index}: {message}")]
pub struct TxnError {
    pub index: u64,
    pub message: String,
}

/// Flattens every client `txn` operation of the history. `list` says whether reads
/// return lists (list-append) or single values (rw-register).
/// A transaction's `f`: `txn`, or none at all (Elle's own histories omit it).
pub(crate) fn is_txn(f: &str) -> bool {
    matches!(f.trim_start_matches(':'), "txn" | "")
}

pub(crate) fn from_history(h: &History, list: bool) -> Result<Txns, TxnError> {
    let mut out = Txns::new(list);
    for (pos, op) in h.ops.iter().enumerate() {
        if !is_txn(&op.f) {
            continue;
        }
        let Process::Client(process) = op.process else {
            continue;
        };
        // A completion without an invocation (Elle's test histories list only
        // completions) is a transaction invoked at an unknown time: it is
        // placed before everything, so nothing precedes it in real time.
        let ipos = if op.kind == OpType::Invoke {
            pos as u32
        } else {
            0
        };
        let comp = match op.kind {
            OpType::Invoke => h.completion_of(pos),
            _ if h.invocation_of(pos).is_none() => Some(pos),
            _ => continue,
        };
        let comp_op = comp.map(|c| &h.ops[c]);
        let outcome = match comp_op.map(|c| c.kind) {
            Some(OpType::Ok) => Outcome::Ok,
            Some(OpType::Fail) => Outcome::Fail,
            _ => Outcome::Info,
        };
        let (value, index) = match (outcome, comp_op) {
            (Outcome::Ok, Some(c)) => (&c.value, c.index),
            _ => (&op.value, op.index),
        };
        let err = |message: String| TxnError {
            index: op.index,
            message,
        };
        let meta = (
            outcome,
            process,
            ipos,
            comp.map(|c| c as u32),
            index,
            op.index,
        );
        out.push_tree(meta, Json, value).map_err(err)?;
    }
    Ok(out)
}

/// What a transaction is besides its micro-ops: outcome, process, invocation and
/// completion positions, the index it is named by, the invocation's index.
pub(crate) type Meta = (Outcome, u64, u32, Option<u32>, u64, u64);

impl Txns {
    pub fn new(lists: bool) -> Txns {
        Txns {
            lists,
            ..Txns::default()
        }
    }

    /// Adds one transaction whose value is `value` (a list of `[f, key, value]`).
    pub fn push_tree<'a, T: Tree<'a>>(
        &mut self,
        meta: Meta,
        t: T,
        value: T::Node,
    ) -> Result<(), String> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let result = self.parse_mops(t, value, meta.0 == Outcome::Ok, &mut scratch);
        if result.is_ok() {
            self.push_mops(meta, &scratch);
        }
        self.scratch = scratch;
        result
    }

    /// Adds one transaction whose micro-ops are already flattened.
    pub fn push_mops(&mut self, meta: Meta, mops: &[Mop]) {
        let (outcome, process, invoke_pos, complete_pos, index, invoke_index) = meta;
        let mop_start = self.mops.len() as u32;
        self.mops.extend_from_slice(mops);
        self.txns.push(Txn {
            outcome,
            process,
            invoke_pos,
            complete_pos,
            index,
            invoke_index,
            mop_start,
            mop_len: mops.len().min(u16::MAX as usize) as u16,
        });
    }

    /// Flattens `value` (a list of `[f, key, value]`) into `into`. Reads return
    /// what they read only when `known` (an ok completion); list elements go to
    /// the shared element arena.
    pub fn parse_mops<'a, T: Tree<'a>>(
        &mut self,
        t: T,
        value: T::Node,
        known: bool,
        into: &mut Vec<Mop>,
    ) -> Result<(), String> {
        let Some(n) = t.len(value) else {
            return Err(format!(
                "value {} is not a list of micro-ops",
                t.show(value)
            ));
        };
        for i in 0..n {
            let mop = self.parse_mop(t, t.item(value, i), known)?;
            into.push(mop);
        }
        Ok(())
    }

    /// Puts transactions in invocation order, as a history lists them.
    pub fn sort_by_invocation(&mut self) {
        self.txns.sort_by_key(|t| t.invoke_pos);
    }

    fn parse_mop<'a, T: Tree<'a>>(&mut self, t: T, m: T::Node, known: bool) -> Result<Mop, String> {
        let Some(f) = t
            .len(m)
            .filter(|&n| n >= 2)
            .and_then(|_| t.text(t.item(m, 0)))
        else {
            return Err(format!("micro-op {} has no function name", t.show(m)));
        };
        // `[:r :x]` has no value: unknown in an invocation, and in a committed
        // completion the same as `[:r :x nil]`, the initial state (Elle reads
        // it as `[f k v]` with v nil; its own tests' `op "rxay1"` are such).
        let bare = t.len(m) == Some(2);
        if t.len(m) != Some(3) && !(f == "r" && bare) {
            return Err(format!("micro-op {} is not [f, key, value]", t.show(m)));
        }
        let key = self.keys.id(t, t.item(m, 1));
        // A two-element read has no value; it is never looked at (`bare`).
        let v = t.item(m, if bare { 1 } else { 2 });
        let (kind, val, len) = match f {
            "append" => (MopKind::Append, self.value(t, v), 0),
            "w" => (MopKind::Write, self.value(t, v), 0),
            "r" if !known => (MopKind::Read, 0, UNKNOWN),
            // A committed read of a key never written may say nil: the empty list.
            "r" if self.lists && (bare || t.is_nil(v)) => {
                (MopKind::Read, self.elems.len() as i64, 0)
            }
            "r" if bare => (MopKind::Read, 0, 0),
            "r" if self.lists => match t.len(v) {
                Some(n) => {
                    let start = self.elems.len() as i64;
                    for i in 0..n {
                        let e = self.value(t, t.item(v, i));
                        self.elems.push(e);
                    }
                    (MopKind::Read, start, n as u32)
                }
                None => return Err(format!("list read returned {}, not a list", t.show(v))),
            },
            "r" if t.is_nil(v) => (MopKind::Read, 0, 0),
            "r" => (MopKind::Read, self.value(t, v), 1),
            other => {
                return Err(format!(
                    "unknown micro-op function {other:?} in {}",
                    t.show(m)
                ))
            }
        };
        Ok(Mop {
            kind,
            key,
            val,
            len,
        })
    }
}

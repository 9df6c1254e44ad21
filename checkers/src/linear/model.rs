//! The `Model` extension point: a sequential specification that the search replays.
//!
//! A model turns each history op into its own compact vocabulary once ([`Model::parse`]),
//! then the search calls [`Model::step`] millions of times on small, hashable states.
//! Values are interned into [`Atom`]s (a `u32`, `0` is `null`) so that states are a few
//! machine words and hashing them is cheap; no JSON is touched while searching.
//!
//! # A user-defined model
//!
//! A counter that can be incremented and read, in a few lines:
//!
//! ```
//! use rjepsen_checkers::linear::{Atoms, Model};
//! use serde_json::Value;
//!
//! struct Counter;
//!
//! #[derive(Clone, Debug, PartialEq, Eq, Hash)]
//! enum CounterOp { Incr, Read(i64) }
//!
//! impl Model for Counter {
//!     type State = i64;
//!     type Op = CounterOp;
//!     fn init(&self) -> i64 { 0 }
//!     fn parse(&self, f: &str, _input: &Value, output: Option<&Value>, _atoms: &mut Atoms)
//!         -> Result<Option<CounterOp>, String> {
//!         match (f, output) {
//!             ("incr", _) => Ok(Some(CounterOp::Incr)),
//!             ("read", Some(v)) => v.as_i64().map(|n| Some(CounterOp::Read(n)))
//!                 .ok_or_else(|| format!("failed to parse read of {v}: not an integer")),
//!             ("read", None) => Ok(None), // an unknown read constrains nothing
//!             _ => Err(format!("failed to parse op: unknown function {f}")),
//!         }
//!     }
//!     fn step(&self, s: &i64, op: &CounterOp, next: &mut Vec<i64>) {
//!         match op {
//!             CounterOp::Incr => next.push(s + 1),
//!             CounterOp::Read(n) if n == s => next.push(*s),
//!             CounterOp::Read(_) => {} // illegal: no next state
//!         }
//!     }
//! }
//! // Then: rjepsen_checkers::linear::check_model(&Counter, false, &ops, &ctx)
//! ```

use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

/// An interned value: `0` is `null` (or the initial value, see
/// [`Atoms::set_initial`]), every other value gets the next number.
pub type Atom = u32;

/// The `null` atom: an unset register, an empty dequeue.
pub const NIL: Atom = 0;

/// Interns JSON values into [`Atom`]s (one table per key being checked). [`NIL`]
/// stands for `null`, or for the initial value given to [`Atoms::set_initial`].
#[derive(Debug)]
pub struct Atoms {
    ints: HashMap<i64, Atom, super::cache::FxBuild>,
    others: HashMap<String, Atom, super::cache::FxBuild>,
    values: Vec<Value>,
}

impl Default for Atoms {
    fn default() -> Self {
        Atoms {
            ints: HashMap::default(),
            others: HashMap::default(),
            values: vec![Value::Null],
        }
    }
}

impl Atoms {
    /// Makes [`NIL`] stand for `initial` instead of `null` (a register that starts
    /// at 0): `initial` then interns to `NIL` and `null` gets an atom of its own.
    /// Call it before interning anything else; calling it again with the same value
    /// changes nothing.
    pub fn set_initial(&mut self, initial: &Value) {
        if self.values[0] != *initial {
            debug_assert_eq!(self.values.len(), 1, "set_initial after interning");
            self.values[0] = initial.clone();
        }
    }

    /// The atom of `v`; equal values get equal atoms.
    pub fn intern(&mut self, v: &Value) -> Atom {
        let next = self.values.len() as Atom;
        if *v == self.values[0] {
            return NIL;
        }
        let atom = match v {
            Value::Number(n) if n.as_i64().is_some() => {
                *self.ints.entry(n.as_i64().unwrap_or(0)).or_insert(next)
            }
            other => *self.others.entry(other.to_string()).or_insert(next),
        };
        if atom == next {
            self.values.push(v.clone());
        }
        atom
    }

    /// The value an atom stands for.
    pub fn value(&self, a: Atom) -> &Value {
        self.values.get(a as usize).unwrap_or(&Value::Null)
    }

    /// Interns every element of a JSON array (a set read, a queue's contents).
    pub fn intern_all(&mut self, v: &Value) -> Result<Vec<Atom>, String> {
        match v {
            Value::Array(items) => Ok(items.iter().map(|x| self.intern(x)).collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(format!(
                "failed to parse {other}: expected a list of values"
            )),
        }
    }
}

/// A sequential specification of a data type, replayed by the linearizability search.
///
/// Contract: `step` is a pure function of its arguments; `State` is small (it is
/// hashed and stored once per configuration the search visits).
pub trait Model: Sync {
    /// One state of the object: keep it a few words (atoms, bitsets, short vectors).
    type State: Clone + Eq + Hash + Debug + Send;
    /// One operation with its observed result, in the model's vocabulary.
    type Op: Clone + Eq + Hash + Debug + Send + Sync;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// Translates an op. `input` is the invocation's value, `output` the completion's
    /// value when the op completed `ok`, `None` when its outcome is unknown (`info`
    /// or never completed). `Ok(None)` means the op has no effect worth checking (an
    /// unknown read) and is left out.
    fn parse(
        &self,
        f: &str,
        input: &Value,
        output: Option<&Value>,
        atoms: &mut Atoms,
    ) -> Result<Option<Self::Op>, String>;

    /// Pushes onto `next` every state the op may lead to from `state`; pushing
    /// nothing means the op is illegal there. `next` arrives empty.
    fn step(&self, state: &Self::State, op: &Self::Op, next: &mut Vec<Self::State>);

    /// Values the op saw that some op must have produced first (a read's value, a
    /// dequeued element); with [`Model::produces`] this lets a cheap pre-pass report
    /// a read of a value never written without searching. Default: none.
    fn observes(&self, _op: &Self::Op) -> Vec<Atom> {
        Vec::new()
    }

    /// Values the op may bring into the state (a write's value, an enqueued element).
    /// Contract: a crashed op that produces values, none of which is `NIL` or ever
    /// observed by any op, can only constrain what follows, so the checker leaves it
    /// out. Ops that return nothing here are always kept.
    fn produces(&self, _op: &Self::Op) -> Vec<Atom> {
        Vec::new()
    }

    /// Whether the op never changes the state, in any state where it is legal (a
    /// read). The search takes such an op as soon as it is legal, without trying
    /// the alternatives: any linearization can take it there instead. Default: no.
    fn read_only(&self, _op: &Self::Op) -> bool {
        false
    }

    /// Bytes a state holds, heap included, for the memory budget.
    fn state_bytes(&self, _state: &Self::State) -> usize {
        std::mem::size_of::<Self::State>()
    }

    /// A state as a person reads it (values shown as JSON).
    fn show_state(&self, state: &Self::State, _atoms: &Atoms) -> String {
        format!("{state:?}")
    }
}

//! The register models of Knossos' list (the collections are in [`super::collections`]).
//!
//! Each state is a few atoms (see [`super::model`]); collections keep their atoms
//! sorted (set, unordered queue) or in order (FIFO queue) so that equal contents hash
//! equal. An `ok` read of `null` on a register means the register is unset, unless
//! [`RegisterOptions`] say otherwise (Knossos' `(cas-register 0)` and its rule that
//! a read of nil is consistent with any value).

use super::model::{Atom, Atoms, Model, NIL};
use serde_json::Value;

/// How a register starts and what a read of `null` means, as in Knossos.
///
/// The initial value is given atom [`NIL`] (see [`Atoms::set_initial`]), so that
/// every pass that treats `NIL` as "what the register held before any write" (the
/// never-written pass, the dropping of useless crashed writes) stays right for any
/// initial value without knowing about it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegisterOptions {
    /// The value before any write (`null`: unset). Knossos' `(cas-register 0)` is 0.
    pub initial_value: Value,
    /// An `ok` read of `null` is consistent with any value and changes nothing
    /// (Knossos' models), so it is left out like a read whose result is unknown.
    pub nil_reads_unknown: bool,
}

/// A register op: reads carry the value seen, cas carries `[old, new]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegOp {
    Read(Atom),
    Write(Atom),
    Cas(Atom, Atom),
}

pub(crate) fn show_atom(atoms: &Atoms, a: Atom) -> String {
    atoms.value(a).to_string()
}

pub(crate) fn unknown_f(f: &str, model: &str) -> String {
    format!("failed to parse op: function {f:?} is not part of the {model} model")
}

fn parse_reg(
    f: &str,
    input: &Value,
    output: Option<&Value>,
    atoms: &mut Atoms,
    (cas, opts): (bool, &RegisterOptions),
) -> Result<Option<RegOp>, String> {
    atoms.set_initial(&opts.initial_value);
    match f {
        "read" | "r" => Ok(output
            .filter(|v| !(opts.nil_reads_unknown && v.is_null()))
            .map(|v| RegOp::Read(atoms.intern(v)))),
        "write" | "w" => Ok(Some(RegOp::Write(atoms.intern(input)))),
        "cas" if cas => match input {
            Value::Array(p) if p.len() == 2 => {
                Ok(Some(RegOp::Cas(atoms.intern(&p[0]), atoms.intern(&p[1]))))
            }
            other => Err(format!(
                "failed to parse cas value {other}: expected [old, new]"
            )),
        },
        _ => Err(unknown_f(f, if cas { "cas-register" } else { "register" })),
    }
}

fn step_reg(s: Atom, op: &RegOp) -> Option<Atom> {
    match *op {
        RegOp::Read(v) => (v == s).then_some(s),
        RegOp::Write(v) => Some(v),
        RegOp::Cas(old, new) => (old == s).then_some(new),
    }
}

/// A read/write register, initially `null` unless its options say otherwise.
#[derive(Clone, Debug, Default)]
pub struct Register(pub RegisterOptions);
/// A register with compare-and-set, initially `null` unless its options say otherwise.
#[derive(Clone, Debug, Default)]
pub struct CasRegister(pub RegisterOptions);

/// The two registers differ only in whether `cas` is an op they accept.
macro_rules! register_model {
    ($model:ty, $cas:expr) => {
        impl Model for $model {
            type State = Atom;
            type Op = RegOp;
            fn init(&self) -> Atom {
                NIL
            }
            fn parse(
                &self,
                f: &str,
                i: &Value,
                o: Option<&Value>,
                a: &mut Atoms,
            ) -> PResult<RegOp> {
                parse_reg(f, i, o, a, ($cas, &self.0))
            }
            fn step(&self, s: &Atom, op: &RegOp, next: &mut Vec<Atom>) {
                next.extend(step_reg(*s, op));
            }
            fn observes(&self, op: &RegOp) -> Vec<Atom> {
                match *op {
                    RegOp::Read(v) | RegOp::Cas(v, _) if v != NIL => vec![v],
                    _ => Vec::new(),
                }
            }
            fn produces(&self, op: &RegOp) -> Vec<Atom> {
                match *op {
                    RegOp::Write(v) | RegOp::Cas(_, v) => vec![v],
                    RegOp::Read(_) => Vec::new(),
                }
            }
            fn show_state(&self, s: &Atom, atoms: &Atoms) -> String {
                show_atom(atoms, *s)
            }
            fn read_only(&self, op: &RegOp) -> bool {
                match *op {
                    RegOp::Read(_) => true,
                    RegOp::Cas(old, new) => old == new,
                    RegOp::Write(_) => false,
                }
            }
        }
    };
}

register_model!(Register, false);
register_model!(CasRegister, true);

pub(crate) type PResult<T> = Result<Option<T>, String>;

/// Several named registers in one history; an op is a list of micro-ops
/// `[f, key, value]` with f `r`/`read` or `w`/`write`, applied atomically.
pub struct MultiRegister;

/// State of a multi-register: `(key, value)` pairs sorted by key; absent = `null`.
pub type MultiState = Vec<(Atom, Atom)>;

impl Model for MultiRegister {
    type State = MultiState;
    type Op = Vec<(bool, Atom, Atom)>;
    fn state_bytes(&self, s: &MultiState) -> usize {
        24 + 16 + s.capacity() * 8
    }
    fn init(&self) -> MultiState {
        Vec::new()
    }
    fn parse(&self, _f: &str, i: &Value, o: Option<&Value>, a: &mut Atoms) -> PResult<Self::Op> {
        let txn = o.filter(|v| v.is_array()).unwrap_or(i);
        let Value::Array(mops) = txn else {
            return Err(format!(
                "failed to parse txn {txn}: expected [[f, k, v], ...]"
            ));
        };
        let mut out = Vec::new();
        for m in mops {
            let (f, k, v) = match m.as_array().map(|x| x.as_slice()) {
                Some([f, k, v]) => (f.as_str().unwrap_or(""), a.intern(k), v),
                _ => return Err(format!("failed to parse micro-op {m}: expected [f, k, v]")),
            };
            match f.trim_start_matches(':') {
                "r" | "read" if o.is_some() => out.push((false, k, a.intern(v))),
                "r" | "read" => {}
                "w" | "write" => out.push((true, k, a.intern(v))),
                other => return Err(unknown_f(other, "multi-register")),
            }
        }
        Ok((!out.is_empty()).then_some(out))
    }
    fn step(&self, s: &MultiState, op: &Self::Op, next: &mut Vec<MultiState>) {
        let mut st = s.clone();
        for &(write, k, v) in op {
            let pos = st.binary_search_by_key(&k, |p| p.0);
            match (write, pos) {
                (true, Ok(i)) => st[i].1 = v,
                (true, Err(i)) => st.insert(i, (k, v)),
                (false, Ok(i)) if st[i].1 == v => {}
                (false, Err(_)) if v == NIL => {}
                (false, _) => return,
            }
        }
        next.push(st);
    }
    fn read_only(&self, op: &Self::Op) -> bool {
        op.iter().all(|m| !m.0)
    }
    fn observes(&self, op: &Self::Op) -> Vec<Atom> {
        op.iter()
            .filter(|m| !m.0 && m.2 != NIL)
            .map(|m| m.2)
            .collect()
    }
    fn produces(&self, op: &Self::Op) -> Vec<Atom> {
        op.iter().filter(|m| m.0).map(|m| m.2).collect()
    }
    fn show_state(&self, s: &MultiState, atoms: &Atoms) -> String {
        let parts: Vec<String> = s
            .iter()
            .map(|(k, v)| format!("{} {}", show_atom(atoms, *k), show_atom(atoms, *v)))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests;

//! The collection models of Knossos' list: a set, a mutex and two queues.
//!
//! States keep their atoms sorted (set, unordered queue) or in order (FIFO queue) so
//! that equal contents hash equal. A dequeue whose result is unknown takes whatever
//! the queue may give; an `ok` dequeue of `null` means the queue was empty.

use super::model::{Atom, Atoms, Model, NIL};
use super::models::{show_atom, unknown_f, PResult};
use serde_json::Value;

/// A set op: `add` of one element, or a `read` of the whole set (sorted atoms).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    Add(Atom),
    Read(Vec<Atom>),
}

/// A grow-only set, initially empty.
pub struct SetModel;

impl Model for SetModel {
    type State = Vec<Atom>;
    type Op = SetOp;
    fn read_only(&self, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(_))
    }
    fn state_bytes(&self, s: &Vec<Atom>) -> usize {
        24 + 16 + s.capacity() * 4
    }
    fn init(&self) -> Vec<Atom> {
        Vec::new()
    }
    fn parse(&self, f: &str, i: &Value, o: Option<&Value>, a: &mut Atoms) -> PResult<SetOp> {
        match (f, o) {
            ("add", _) => Ok(Some(SetOp::Add(a.intern(i)))),
            ("read", Some(v)) => {
                let mut items = a.intern_all(v)?;
                items.sort_unstable();
                items.dedup();
                Ok(Some(SetOp::Read(items)))
            }
            ("read", None) => Ok(None),
            _ => Err(unknown_f(f, "set")),
        }
    }
    fn step(&self, s: &Vec<Atom>, op: &SetOp, next: &mut Vec<Vec<Atom>>) {
        match op {
            SetOp::Add(x) => match s.binary_search(x) {
                Ok(_) => next.push(s.clone()),
                Err(i) => {
                    let mut t = s.clone();
                    t.insert(i, *x);
                    next.push(t);
                }
            },
            SetOp::Read(items) if items == s => next.push(s.clone()),
            SetOp::Read(_) => {}
        }
    }
    fn observes(&self, op: &SetOp) -> Vec<Atom> {
        match op {
            SetOp::Read(items) => items.clone(),
            SetOp::Add(_) => Vec::new(),
        }
    }
    fn produces(&self, op: &SetOp) -> Vec<Atom> {
        match op {
            SetOp::Add(x) => vec![*x],
            SetOp::Read(_) => Vec::new(),
        }
    }
    fn show_state(&self, s: &Vec<Atom>, atoms: &Atoms) -> String {
        let parts: Vec<String> = s.iter().map(|x| show_atom(atoms, *x)).collect();
        format!("#{{{}}}", parts.join(" "))
    }
}

/// A mutex op.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MutexOp {
    Acquire,
    Release,
}

/// A mutex, initially free; acquiring a held lock or releasing a free one is illegal.
pub struct Mutex;

impl Model for Mutex {
    type State = bool;
    type Op = MutexOp;
    fn init(&self) -> bool {
        false
    }
    fn parse(&self, f: &str, _i: &Value, _o: Option<&Value>, _a: &mut Atoms) -> PResult<MutexOp> {
        match f {
            "acquire" | "lock" => Ok(Some(MutexOp::Acquire)),
            "release" | "unlock" => Ok(Some(MutexOp::Release)),
            _ => Err(unknown_f(f, "mutex")),
        }
    }
    fn step(&self, held: &bool, op: &MutexOp, next: &mut Vec<bool>) {
        match (op, held) {
            (MutexOp::Acquire, false) => next.push(true),
            (MutexOp::Release, true) => next.push(false),
            _ => {}
        }
    }
}

/// A queue op: `dequeue` carries the value taken (`None` when unknown, `Some(NIL)`
/// when the queue was seen empty).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueOp {
    Enqueue(Atom),
    Dequeue(Option<Atom>),
}

fn parse_queue(f: &str, i: &Value, o: Option<&Value>, a: &mut Atoms, m: &str) -> PResult<QueueOp> {
    match f {
        "enqueue" => Ok(Some(QueueOp::Enqueue(a.intern(i)))),
        "dequeue" => Ok(Some(QueueOp::Dequeue(o.map(|v| a.intern(v))))),
        _ => Err(unknown_f(f, m)),
    }
}

fn queue_observes(op: &QueueOp) -> Vec<Atom> {
    match op {
        QueueOp::Dequeue(Some(x)) if *x != NIL => vec![*x],
        _ => Vec::new(),
    }
}

fn queue_produces(op: &QueueOp) -> Vec<Atom> {
    match op {
        QueueOp::Enqueue(x) => vec![*x],
        QueueOp::Dequeue(_) => Vec::new(),
    }
}

/// A bag: dequeue takes any element present.
pub struct UnorderedQueue;
/// A first-in first-out queue.
pub struct FifoQueue;

impl Model for UnorderedQueue {
    type State = Vec<Atom>;
    type Op = QueueOp;
    fn state_bytes(&self, s: &Vec<Atom>) -> usize {
        24 + 16 + s.capacity() * 4
    }
    fn init(&self) -> Vec<Atom> {
        Vec::new()
    }
    fn parse(&self, f: &str, i: &Value, o: Option<&Value>, a: &mut Atoms) -> PResult<QueueOp> {
        parse_queue(f, i, o, a, "unordered-queue")
    }
    fn observes(&self, op: &QueueOp) -> Vec<Atom> {
        queue_observes(op)
    }
    fn produces(&self, op: &QueueOp) -> Vec<Atom> {
        queue_produces(op)
    }
    fn step(&self, s: &Vec<Atom>, op: &QueueOp, next: &mut Vec<Vec<Atom>>) {
        let remove = |i: usize| {
            let mut t = s.clone();
            t.remove(i);
            t
        };
        match op {
            QueueOp::Enqueue(x) => {
                let mut t = s.clone();
                let i = t.partition_point(|y| y <= x);
                t.insert(i, *x);
                next.push(t);
            }
            QueueOp::Dequeue(Some(NIL)) if s.is_empty() => next.push(Vec::new()),
            QueueOp::Dequeue(Some(x)) => next.extend(s.binary_search(x).ok().map(remove)),
            QueueOp::Dequeue(None) => {
                for i in 0..s.len() {
                    if i == 0 || s[i] != s[i - 1] {
                        next.push(remove(i));
                    }
                }
            }
        }
    }
}

impl Model for FifoQueue {
    type State = Vec<Atom>;
    type Op = QueueOp;
    fn state_bytes(&self, s: &Vec<Atom>) -> usize {
        24 + 16 + s.capacity() * 4
    }
    fn init(&self) -> Vec<Atom> {
        Vec::new()
    }
    fn parse(&self, f: &str, i: &Value, o: Option<&Value>, a: &mut Atoms) -> PResult<QueueOp> {
        parse_queue(f, i, o, a, "fifo-queue")
    }
    fn observes(&self, op: &QueueOp) -> Vec<Atom> {
        queue_observes(op)
    }
    fn produces(&self, op: &QueueOp) -> Vec<Atom> {
        queue_produces(op)
    }
    fn step(&self, s: &Vec<Atom>, op: &QueueOp, next: &mut Vec<Vec<Atom>>) {
        match op {
            QueueOp::Enqueue(x) => {
                let mut t = s.clone();
                t.push(*x);
                next.push(t);
            }
            QueueOp::Dequeue(Some(NIL)) if s.is_empty() => next.push(Vec::new()),
            QueueOp::Dequeue(Some(x)) if s.first() == Some(x) => next.push(s[1..].to_vec()),
            QueueOp::Dequeue(None) if !s.is_empty() => next.push(s[1..].to_vec()),
            QueueOp::Dequeue(_) => {}
        }
    }
}

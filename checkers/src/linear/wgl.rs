//! The Wing & Gong search with Lowe's cache, for one key.
//!
//! Ops that completed `ok` sit in a doubly linked list of call and return entries
//! (Lowe's formulation): a call may be linearized next if it appears before the first
//! return still in the list. Ops whose outcome is unknown never return, so they are
//! kept out of that list, grouped into classes of identical ops: two pending crashed
//! `write 3`s are interchangeable, so the search only ever tries the earliest one of a
//! class. That turns 2^k subsets of crashed ops into counts per class.
//!
//! Every configuration visited, (linearized ok ops, model state, crashed ops used per
//! class), is remembered, keyed by an incremental (Zobrist) hash of the first two.
//! Lowe's cache is strengthened by dominance: having used *fewer* crashed ops of
//! every class leaves strictly more options (the earliest members of a class are
//! used first, so the ones left are invoked no later), so a configuration is pruned
//! when one with the same ok ops and state and a componentwise smaller count was
//! already explored. This is what keeps histories full of timeouts tractable. The
//! budget (time, shared memory counter) is polled every few thousand steps and turns
//! into an `Unknown` answer.

use super::bitset::LinSet;
use super::cache::{mix, state_hash, Cache};
use super::model::Model;
use super::prepare::Call;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

mod prune;
use prune::twins;

/// Limits shared by every key of one check.
pub(crate) struct Budget<'a> {
    pub deadline: Option<Instant>,
    pub memory_limit: u64,
    pub memory_used: &'a AtomicU64,
    /// Stop with [`Outcome::Capped`] after this many configurations.
    pub max_configs: usize,
}

/// What the search found for one key.
pub(crate) enum Outcome<S> {
    /// Holds the order in which the calls were linearized.
    Valid(Vec<u32>),
    Invalid(Failure<S>),
    Unknown(String, Failure<S>),
    /// `max_configs` was reached: try something cheaper before searching on.
    Capped,
}

/// The deepest point the search reached, as evidence.
#[derive(Debug)]
pub(crate) struct Failure<S> {
    /// Call ids in the order linearized (the longest linearizable prefix found).
    pub order: Vec<u32>,
    /// The op whose return could not be reached with a legal linearization.
    pub blocking: Option<u32>,
    /// States the model was in when `blocking` could not be placed.
    pub states: Vec<S>,
    /// Position of the earliest op not linearized at that point.
    pub window_start: usize,
}

#[derive(Clone, Copy)]
enum Cur {
    /// A configuration just reached: look for a forced move first.
    Fresh,
    List(u32),
    Crash(u32),
    /// No (further) candidate: the configuration is a dead end.
    Done,
}

#[derive(Clone, Copy)]
enum Cand {
    Ok(u32),
    Crash(u32),
}

struct Frame<S> {
    cand: Cand,
    call: u32,
    before: S,
    alt: usize,
    /// A forced move (see [`Search::forced`]): if it fails, so does the
    /// configuration it was made from, so no other candidate is tried.
    forced: bool,
}

pub(crate) struct Search<'a, M: Model> {
    model: &'a M,
    calls: &'a [Call<M::Op>],
    ret_call: Vec<(u32, bool)>,
    next: Vec<u32>,
    prev: Vec<u32>,
    call_entry: Vec<u32>,
    ret_entry: Vec<u32>,
    classes: Vec<Vec<u32>>,
    used: Vec<u32>,
    /// Per ok call, the previous ok call with an equal op by (return, id), or MAX.
    twin_before: Vec<u32>,
    /// Per call: linearized on the current path.
    lin: Vec<bool>,
    bits: LinSet,
    ok_index: Vec<u32>,
    best_order: Vec<u32>,
    low_water: usize,
    hash: u64,
    remaining: usize,
    cache: Cache<M::State>,
    dead: HashMap<u32, Vec<M::State>>,
    best: Option<Failure<M::State>>,
    best_depth: usize,
    init: Option<M::State>,
}

impl<'a, M: Model> Search<'a, M> {
    pub(crate) fn new(model: &'a M, calls: &'a [Call<M::Op>]) -> Self {
        let mut events: Vec<(usize, u32, bool)> = Vec::new();
        let mut class_of: HashMap<&M::Op, usize> = HashMap::new();
        let mut classes: Vec<Vec<u32>> = Vec::new();
        for (id, c) in calls.iter().enumerate() {
            match c.ret {
                Some(r) => {
                    events.push((c.invoke, id as u32, false));
                    events.push((r, id as u32, true));
                }
                None => {
                    let n = classes.len();
                    let k = *class_of.entry(&c.op).or_insert(n);
                    if k == n {
                        classes.push(Vec::new());
                    }
                    classes[k].push(id as u32);
                }
            }
        }
        events.sort_unstable();
        let head = events.len() as u32;
        let (mut call_entry, mut ret_entry) =
            (vec![u32::MAX; calls.len()], vec![u32::MAX; calls.len()]);
        for (e, &(_, id, ret)) in events.iter().enumerate() {
            if ret {
                ret_entry[id as usize] = e as u32
            } else {
                call_entry[id as usize] = e as u32
            }
        }
        let n = events.len() as u32 + 1;
        let twin_before = twins(calls);
        Search {
            twin_before,
            lin: vec![false; calls.len()],
            model,
            calls,
            ret_call: events.iter().map(|&(_, id, r)| (id, r)).collect(),
            next: (0..n)
                .map(|e| if e == head { 0 } else { e + 1 })
                .map(|e| e.min(head))
                .collect(),
            prev: (0..n).map(|e| if e == 0 { head } else { e - 1 }).collect(),
            call_entry,
            ret_entry,
            used: vec![0; classes.len()],
            classes,
            bits: LinSet::new(calls.len()),
            ok_index: {
                let mut k = 0;
                calls
                    .iter()
                    .map(|c| match c.ret {
                        Some(_) => {
                            k += 1;
                            k - 1
                        }
                        None => u32::MAX,
                    })
                    .collect()
            },
            best_order: Vec::new(),
            low_water: 0,
            hash: 0,
            remaining: events.len() / 2,
            cache: Cache::default(),
            dead: HashMap::new(),
            best: None,
            best_depth: 0,
            init: None,
        }
    }

    /// Starts the search from `state` instead of the model's initial state.
    pub(crate) fn starting_from(mut self, state: M::State) -> Self {
        self.init = Some(state);
        self
    }

    fn head(&self) -> u32 {
        self.ret_call.len() as u32
    }

    fn unlink(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        self.next[p as usize] = n;
        self.prev[n as usize] = p;
    }

    fn relink(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        self.next[p as usize] = e;
        self.prev[n as usize] = e;
    }

    /// Position of the first return still in the list: nothing invoked later may go next.
    fn frontier(&self) -> usize {
        let mut e = self.next[self.head() as usize];
        while e != self.head() {
            let (id, ret) = self.ret_call[e as usize];
            if ret {
                return self.calls[id as usize].ret.unwrap_or(usize::MAX);
            }
            e = self.next[e as usize];
        }
        usize::MAX
    }

    fn candidate(&mut self, cur: Cur, state: &M::State) -> Option<(Cand, u32, Cur)> {
        let head = self.head();
        let frontier = self.frontier();
        let mut class = 0;
        let mut cur = cur;
        if let Cur::Fresh = cur {
            if let Some(id) = self.forced(state) {
                return Some((Cand::Ok(id), id, Cur::Done));
            }
            cur = Cur::List(self.next[head as usize]);
        }
        match cur {
            Cur::Done => return None,
            Cur::List(mut e) => {
                while e != head && !self.ret_call[e as usize].1 {
                    let id = self.ret_call[e as usize].0;
                    e = self.next[e as usize];
                    if !self.has_earlier_twin(id, frontier) {
                        return Some((Cand::Ok(id), id, Cur::List(e)));
                    }
                }
            }
            Cur::Crash(c) => class = c,
            Cur::Fresh => {}
        }
        for c in class..self.classes.len() as u32 {
            let members = &self.classes[c as usize];
            if let Some(&id) = members.get(self.used[c as usize] as usize) {
                if self.calls[id as usize].invoke < frontier {
                    return Some((Cand::Crash(c), id, Cur::Crash(c + 1)));
                }
            }
        }
        None
    }

    fn lift(&mut self, cand: Cand) {
        match cand {
            Cand::Ok(id) => {
                self.lin[id as usize] = true;
                self.unlink(self.call_entry[id as usize]);
                self.unlink(self.ret_entry[id as usize]);
                self.remaining -= 1;
            }
            Cand::Crash(_) => {}
        }
    }

    fn unlift(&mut self, cand: Cand) {
        match cand {
            Cand::Ok(id) => {
                self.lin[id as usize] = false;
                self.relink(self.ret_entry[id as usize]);
                self.relink(self.call_entry[id as usize]);
                self.remaining += 1;
            }
            Cand::Crash(_) => {}
        }
    }

    /// Records a move in the cache key: a bit for an ok op, a count for a crashed one.
    fn mark(&mut self, cand: Cand, on: bool) {
        match cand {
            Cand::Ok(id) => {
                self.bits.flip(self.ok_index[id as usize] as usize);
                self.hash ^= mix(id as u64 + 1);
            }
            Cand::Crash(c) if on => self.used[c as usize] += 1,
            Cand::Crash(c) => self.used[c as usize] -= 1,
        }
    }

    /// Remembers the configuration; false when it (or one that dominates it) was seen.
    fn visit(&mut self, state: &M::State) -> bool {
        let hash = self.hash ^ mix(state_hash(state));
        let state_bytes = self.model.state_bytes(state);
        self.cache
            .visit(hash, self.bits.key(), state, &self.used, state_bytes)
    }

    /// Runs the search to a verdict, within the budget.
    pub(crate) fn run(mut self, budget: &Budget) -> Outcome<M::State> {
        let mut state = self.init.take().unwrap_or_else(|| self.model.init());
        let mut stack: Vec<Frame<M::State>> = Vec::new();
        let mut cur = Cur::Fresh;
        let (mut alt, mut buf, mut steps) = (0usize, Vec::new(), 0u64);
        let mut charged = 0u64;
        loop {
            if self.remaining == 0 {
                budget.memory_used.fetch_sub(charged, Ordering::Relaxed);
                return Outcome::Valid(stack.iter().map(|f| f.call).collect());
            }
            steps += 1;
            if steps % 4096 == 0 {
                if self.cache.entries > budget.max_configs {
                    budget.memory_used.fetch_sub(charged, Ordering::Relaxed);
                    return Outcome::Capped;
                }
                if let Some(reason) = self.over_budget(budget, &mut charged) {
                    budget.memory_used.fetch_sub(charged, Ordering::Relaxed);
                    return Outcome::Unknown(reason, self.take_best(&state, &stack));
                }
            }
            let Some((cand, id, after)) = self.candidate(cur, &state) else {
                self.record_dead_end(&state, &stack);
                let Some(f) = stack.pop() else {
                    budget.memory_used.fetch_sub(charged, Ordering::Relaxed);
                    return Outcome::Invalid(self.take_best(&state, &stack));
                };
                self.unlift(f.cand);
                self.mark(f.cand, false);
                self.low_water = self.low_water.min(stack.len());
                state = f.before;
                cur = match f.cand {
                    _ if f.forced => Cur::Done,
                    Cand::Ok(id) => Cur::List(self.call_entry[id as usize]),
                    Cand::Crash(c) => Cur::Crash(c),
                };
                alt = f.alt + 1;
                continue;
            };
            buf.clear();
            self.model
                .step(&state, &self.calls[id as usize].op, &mut buf);
            let mut moved = false;
            self.mark(cand, true);
            while alt < buf.len() {
                if self.visit(&buf[alt]) {
                    let next = buf.swap_remove(alt);
                    let before = std::mem::replace(&mut state, next);
                    stack.push(Frame {
                        cand,
                        call: id,
                        before,
                        alt,
                        forced: matches!(after, Cur::Done),
                    });
                    self.lift(cand);
                    cur = Cur::Fresh;
                    moved = true;
                    break;
                }
                alt += 1;
            }
            alt = 0;
            if !moved {
                self.mark(cand, false);
                cur = after;
            }
        }
    }

    fn over_budget(&self, budget: &Budget, charged: &mut u64) -> Option<String> {
        // The cache can shrink (a dominated entry replaced by smaller ones), so the
        // charge moves either way.
        let want = self.cache.bytes;
        let used = if want >= *charged {
            budget
                .memory_used
                .fetch_add(want - *charged, Ordering::Relaxed)
                + (want - *charged)
        } else {
            budget
                .memory_used
                .fetch_sub(*charged - want, Ordering::Relaxed)
                .saturating_sub(*charged - want)
        };
        *charged = want;
        if used > budget.memory_limit {
            return Some(format!(
                "memory budget of {} MiB exhausted after {} configurations",
                budget.memory_limit >> 20,
                self.cache.entries
            ));
        }
        match budget.deadline {
            Some(d) if Instant::now() >= d => Some(format!(
                "time budget exhausted after {} configurations",
                self.cache.entries
            )),
            _ => None,
        }
    }

    /// The op that must return next: the first return entry still in the list.
    fn blocking(&self) -> Option<u32> {
        let mut e = self.next[self.head() as usize];
        while e != self.head() {
            let (id, ret) = self.ret_call[e as usize];
            if ret {
                return Some(id);
            }
            e = self.next[e as usize];
        }
        None
    }

    fn failure(&self, state: &M::State, stack: &[Frame<M::State>]) -> Failure<M::State> {
        let first = self.next[self.head() as usize];
        let window_start = if first == self.head() {
            usize::MAX
        } else {
            self.calls[self.ret_call[first as usize].0 as usize].invoke
        };
        Failure {
            order: stack.iter().map(|f| f.call).collect(),
            blocking: self.blocking(),
            states: vec![state.clone()],
            window_start,
        }
    }

    /// The deepest failure recorded, or the current point if there is none.
    fn take_best(&mut self, state: &M::State, stack: &[Frame<M::State>]) -> Failure<M::State> {
        match self.best.take() {
            Some(mut f) => {
                f.order = std::mem::take(&mut self.best_order);
                f
            }
            None => self.failure(state, stack),
        }
    }

    fn record_dead_end(&mut self, state: &M::State, stack: &[Frame<M::State>]) {
        let Some(b) = self.blocking() else { return };
        let seen = self.dead.entry(b).or_default();
        if seen.len() < 8 && !seen.contains(state) {
            seen.push(state.clone());
        }
        let depth = self.ret_call.len() / 2 - self.remaining;
        if self.best.is_none() || depth > self.best_depth {
            self.best_depth = depth;
            // Only the part of the stack that changed since the last record is copied.
            let keep = self.low_water.min(self.best_order.len());
            self.best_order.truncate(keep);
            self.best_order.extend(stack[keep..].iter().map(|f| f.call));
            self.low_water = stack.len();
            let mut f = self.failure(state, &[]);
            f.order.clear();
            self.best = Some(f);
        }
        if let Some(best) = self.best.as_mut() {
            if best.blocking == Some(b) {
                best.states = self.dead[&b].clone();
            }
        }
    }
}

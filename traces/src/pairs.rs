//! Conflicting request pairs, in MicroRacer's stages, from an index by id value.
//!
//! Every statement is filed under each id value it binds; only statements under the
//! same value are compared, so the work grows with the number of statements sharing
//! a value, not with the square of all statements. Stages, each a subset of the last:
//! baseline (two steps share an id value and not both statements are reads) → same
//! database (aliases make a master and its replica one) → not in the same or a
//! parent/child flow → early validation (an INSERT on either side is reported at
//! once; the rest are the candidates).

use crate::analyze::Classified;
use crate::flows::Flows;
use crate::hash::{FastMap, FastSet};
use crate::sql::Op;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct PairOptions {
    /// Database aliases: `(a, b)` makes `a` count as `b`. Matched on `peer` and on
    /// `peer:instance`.
    pub same_db: Vec<(String, String)>,
    /// Beyond MicroRacer: the two statements must also touch a common table.
    pub same_table: bool,
}

impl PairOptions {
    /// The name a database is compared under: `b` for an alias `a=b` (also when the
    /// database carries an instance suffix, `a:instance`).
    fn canonical<'a>(&self, db: &'a str) -> std::borrow::Cow<'a, str> {
        for (a, b) in &self.same_db {
            if db == a {
                return b.clone().into();
            }
            if let Some(rest) = db
                .strip_prefix(a.as_str())
                .and_then(|r| r.strip_prefix(':'))
            {
                return format!("{b}:{rest}").into();
            }
        }
        db.into()
    }
}

/// The evidence for one conflicting pair of steps (`a < b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    /// Id values the conflicting statements share.
    pub shared: BTreeSet<String>,
    /// The databases where they conflict.
    pub databases: BTreeSet<String>,
    /// The conflicting statement pairs with an INSERT, `(access of a, access of b)`;
    /// a pair with any is reported early.
    pub inserts: BTreeSet<(usize, usize)>,
    /// Did the two requests run at overlapping times in the traces?
    pub overlap: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Stages {
    pub baseline: usize,
    pub same_db: usize,
    pub flow: usize,
    pub candidates: Vec<Pair>,
    pub early: Vec<Pair>,
}

/// Run the stages over classified statements.
pub fn find(flows: &Flows, sql: &Classified, opts: &PairOptions) -> Stages {
    let mut by_id: FastMap<&str, Vec<(usize, usize)>> = FastMap::default();
    for step in &flows.steps {
        for (k, _) in step.accesses.iter().enumerate() {
            for id in &sql.of(step.id, k).ids {
                by_id.entry(id.as_str()).or_default().push((step.id, k));
            }
        }
    }
    let mut ids: Vec<&str> = by_id.keys().copied().collect();
    ids.sort_unstable();
    let mut baseline: FastSet<(usize, usize)> = FastSet::default();
    let mut same_db: BTreeMap<(usize, usize), Pair> = BTreeMap::new();
    for id in ids {
        let list = &by_id[id];
        for (i, &(sa, ka)) in list.iter().enumerate() {
            for &(sb, kb) in &list[i + 1..] {
                compare(
                    flows,
                    sql,
                    opts,
                    id,
                    (sa, ka),
                    (sb, kb),
                    &mut baseline,
                    &mut same_db,
                );
            }
        }
    }
    let mut stages = Stages {
        baseline: baseline.len(),
        same_db: same_db.len(),
        ..Stages::default()
    };
    for (_, pair) in same_db {
        let (fa, fb) = (flows.steps[pair.a].flow, flows.steps[pair.b].flow);
        if flows.related(fa, fb) {
            continue;
        }
        stages.flow += 1;
        if pair.inserts.is_empty() {
            stages.candidates.push(pair);
        } else {
            stages.early.push(pair);
        }
    }
    stages
}

#[allow(clippy::too_many_arguments)]
fn compare(
    flows: &Flows,
    sql: &Classified,
    opts: &PairOptions,
    id: &str,
    x: (usize, usize),
    y: (usize, usize),
    baseline: &mut FastSet<(usize, usize)>,
    same_db: &mut BTreeMap<(usize, usize), Pair>,
) {
    if x.0 == y.0 {
        return;
    }
    let ((sa, ka), (sb, kb)) = if x.0 < y.0 { (x, y) } else { (y, x) };
    let (ia, ib) = (sql.of(sa, ka), sql.of(sb, kb));
    if ia.op == Op::Read && ib.op == Op::Read {
        return;
    }
    baseline.insert((sa, sb));
    let (da, db) = (
        &flows.steps[sa].accesses[ka].database,
        &flows.steps[sb].accesses[kb].database,
    );
    if opts.canonical(da) != opts.canonical(db) {
        return;
    }
    if opts.same_table && !ia.tables.iter().any(|t| ib.tables.contains(t)) {
        return;
    }
    let (a, b) = (&flows.steps[sa], &flows.steps[sb]);
    let pair = same_db.entry((sa, sb)).or_insert_with(|| Pair {
        a: sa,
        b: sb,
        shared: BTreeSet::new(),
        databases: BTreeSet::new(),
        inserts: BTreeSet::new(),
        overlap: a.start <= b.end && b.start <= a.end,
    });
    pair.shared.insert(id.to_string());
    pair.databases.insert(da.clone());
    pair.databases.insert(db.clone());
    if ia.op == Op::Insert || ib.op == Op::Insert {
        pair.inserts.insert((ka, kb));
    }
}

#[cfg(test)]
mod tests;

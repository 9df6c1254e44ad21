//! Request flows, built as MicroRacer builds them.
//!
//! A root server span (an `Entry` with no parent reference) starts a flow. An HTTP
//! client span (`Exit` + Http) links to the server span of the callee segment whose
//! reference names it, and that server span becomes the flow's next step. A segment
//! forked onto another thread of the same process (a cross-thread reference, e.g.
//! `SpringAsync`) starts a child flow: the parent's steps with the child's own merged
//! in by start time. Database statements attach to the step whose server span heads
//! their own segment. Each step belongs to exactly one flow (the one that ran it), so
//! a step inherited by two children is still one step.

use crate::hash::FastMap;
use crate::model::{Kind, Layer, Span};

/// Which spans are noise (gateways, connection pools, commits).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// A span whose service name contains one of these is dropped.
    pub ignore_services: Vec<String>,
    /// A span whose endpoint name contains one of these is dropped.
    pub ignore_spans: Vec<String>,
    /// MicroRacer drops the statements of a forked parent's steps that start after
    /// its first fork (measured on the shared case 1); `--compat microracer` keeps that.
    pub drop_after_fork: bool,
}

impl Rules {
    /// MicroRacer's own filters, for TrainTicket traced by SkyWalking.
    pub fn microracer() -> Rules {
        Rules {
            ignore_services: vec!["gateway".into()],
            ignore_spans: vec!["HikariCP".into(), "Connection/commit".into()],
            drop_after_fork: true,
        }
    }

    /// Is `s` kept (not noise)?
    pub fn keeps(&self, s: &Span) -> bool {
        !self
            .ignore_services
            .iter()
            .any(|p| s.service.contains(p.as_str()))
            && !self
                .ignore_spans
                .iter()
                .any(|p| s.endpoint.contains(p.as_str()))
    }
}

/// One statement a step sent to a database.
#[derive(Debug, Clone)]
pub struct Access {
    /// `peer:instance`, e.g. `ts-order-mysql:3306:ts`.
    pub database: String,
    pub statement: String,
    pub params: Vec<String>,
}

/// One request step: a server span, seen with the request that reached it.
#[derive(Debug, Clone)]
pub struct Step {
    pub id: usize,
    /// The flow that ran it, and its position there.
    pub flow: usize,
    pub index: usize,
    pub trace: String,
    pub service: String,
    /// The request as the caller sent it (the client span's URL; the root's own).
    pub method: String,
    pub url: String,
    pub body: String,
    pub status: String,
    pub response: String,
    pub start: i64,
    pub end: i64,
    /// The client span had no server span in the export.
    pub callee_missing: bool,
    pub accesses: Vec<Access>,
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub id: usize,
    /// Step ids in order, inherited ones included.
    pub steps: Vec<usize>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

impl Flow {
    /// Flows that are paired: every flow but a parent of forks.
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Flows {
    pub flows: Vec<Flow>,
    pub steps: Vec<Step>,
}

impl Flows {
    /// Same flow, or one forked from the other.
    pub fn related(&self, a: usize, b: usize) -> bool {
        a == b || self.flows[a].parent == Some(b) || self.flows[b].parent == Some(a)
    }
}

type SegKey<'a> = (&'a str, &'a str);

struct Index<'a> {
    segments: Vec<Vec<&'a Span>>,
    callees: FastMap<(SegKey<'a>, i64), Vec<usize>>,
}

impl<'a> Index<'a> {
    fn new(spans: &'a [Span], rules: &Rules) -> Index<'a> {
        let mut by_key: FastMap<SegKey<'a>, usize> = FastMap::default();
        let mut segments: Vec<Vec<&Span>> = Vec::new();
        for s in spans.iter().filter(|s| rules.keeps(s)) {
            let n = segments.len();
            let i = *by_key.entry((&s.trace, &s.segment)).or_insert(n);
            if i == n {
                segments.push(Vec::new());
            }
            segments[i].push(s);
        }
        for seg in &mut segments {
            seg.sort_by_key(|s| s.span_id);
        }
        let mut callees: FastMap<(SegKey<'a>, i64), Vec<usize>> = FastMap::default();
        for (i, seg) in segments.iter().enumerate() {
            for r in &seg[0].refs {
                callees
                    .entry(((&seg[0].trace, &r.segment), r.span))
                    .or_default()
                    .push(i);
            }
        }
        for list in callees.values_mut() {
            list.sort_by_key(|&i| (segments[i][0].start, i));
        }
        Index { segments, callees }
    }

    fn callees_of(&self, s: &'a Span) -> &[usize] {
        self.callees
            .get(&((s.trace.as_str(), s.segment.as_str()), s.span_id))
            .map_or(&[], Vec::as_slice)
    }
}

/// A step being collected: the server span (if exported), the client span, its segment.
#[derive(Clone, Copy)]
struct Visit<'a> {
    entry: Option<&'a Span>,
    exit: Option<&'a Span>,
    segment: usize,
}

impl Visit<'_> {
    fn start(&self) -> i64 {
        self.entry.or(self.exit).map_or(0, |s| s.start)
    }
}

/// Build the flows of all spans (of any number of traces).
pub fn build(spans: &[Span], rules: &Rules) -> Flows {
    let index = Index::new(spans, rules);
    let mut roots: Vec<usize> = (0..index.segments.len())
        .filter(|&i| {
            let first = index.segments[i][0];
            first.kind == Kind::Entry && first.refs.is_empty()
        })
        .collect();
    roots.sort_by(|&a, &b| {
        let (x, y) = (index.segments[a][0], index.segments[b][0]);
        (x.start, x.end, &x.trace, &x.segment).cmp(&(y.start, y.end, &y.trace, &y.segment))
    });
    let mut out = Flows::default();
    for root in roots {
        let (mut visits, mut forks) = (Vec::new(), Vec::new());
        let first = index.segments[root][0];
        walk_segment(&index, root, Some(first), None, &mut visits, &mut forks);
        add_flow(&index, &mut out, visits, forks, rules);
    }
    out
}

fn walk_segment<'a>(
    index: &Index<'a>,
    seg: usize,
    entry: Option<&'a Span>,
    exit: Option<&'a Span>,
    visits: &mut Vec<Visit<'a>>,
    forks: &mut Vec<usize>,
) {
    if entry.is_some() {
        visits.push(Visit {
            entry,
            exit,
            segment: seg,
        });
    }
    for s in &index.segments[seg] {
        for &callee in index.callees_of(s) {
            let first = index.segments[callee][0];
            if first.kind == Kind::Entry && s.kind == Kind::Exit {
                walk_segment(index, callee, Some(first), Some(s), visits, forks);
            } else if first.refs.iter().any(|r| r.cross_thread) && first.kind != Kind::Entry {
                forks.push(callee);
            }
        }
        if s.kind == Kind::Exit && s.layer == Layer::Http && index.callees_of(s).is_empty() {
            // The callee's server span is not in the export: keep the request.
            visits.push(Visit {
                entry: None,
                exit: Some(s),
                segment: seg,
            });
        }
    }
}

fn add_flow<'a>(
    index: &Index<'a>,
    out: &mut Flows,
    visits: Vec<Visit<'a>>,
    forks: Vec<usize>,
    rules: &Rules,
) {
    let parent = out.flows.len();
    let first_fork = forks.iter().map(|&f| index.segments[f][0].start).min();
    let mut own = Vec::new();
    for (i, v) in visits.iter().enumerate() {
        let late = first_fork.is_some_and(|t| rules.drop_after_fork && v.start() > t);
        own.push(push_step(index, out, v, parent, i, late));
    }
    out.flows.push(Flow {
        id: parent,
        steps: own.clone(),
        parent: None,
        children: Vec::new(),
    });
    let mut forks = forks;
    forks.sort_by_key(|&f| (index.segments[f][0].start, f));
    for fork in forks {
        let id = out.flows.len();
        let (mut mine, mut nested) = (Vec::new(), Vec::new());
        walk_segment(index, fork, None, None, &mut mine, &mut nested);
        let mut merged: Vec<(i64, usize, Option<Visit>)> = own
            .iter()
            .map(|&s| (out.steps[s].start, s, None))
            .chain(mine.into_iter().map(|v| (v.start(), usize::MAX, Some(v))))
            .collect();
        merged.sort_by_key(|m| m.0);
        let mut steps = Vec::new();
        for (i, (_, step, visit)) in merged.into_iter().enumerate() {
            steps.push(match visit {
                Some(v) => push_step(index, out, &v, id, i, false),
                None => step,
            });
        }
        out.flows[parent].children.push(id);
        out.flows.push(Flow {
            id,
            steps,
            parent: Some(parent),
            children: Vec::new(),
        });
    }
}

fn push_step(
    index: &Index,
    out: &mut Flows,
    v: &Visit,
    flow: usize,
    position: usize,
    drop_statements: bool,
) -> usize {
    let id = out.steps.len();
    let head = v.entry.or(v.exit).expect("a step has a span");
    let request = v.exit.unwrap_or(head);
    let accesses = match (v.entry, drop_statements) {
        (Some(_), false) => index.segments[v.segment]
            .iter()
            .filter(|s| s.is_statement())
            .map(|s| Access {
                database: format!("{}:{}", s.peer, s.db.instance),
                statement: s.db.statement.clone(),
                params: s.db.params.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    out.steps.push(Step {
        id,
        flow,
        index: position,
        trace: head.trace.clone(),
        service: head.service.clone(),
        method: request.http.method.clone(),
        url: request.http.url.clone(),
        body: v.entry.map(|e| e.http.body.clone()).unwrap_or_default(),
        status: request.http.status.clone(),
        response: v.entry.map(|e| e.http.response.clone()).unwrap_or_default(),
        start: head.start,
        end: head.end,
        callee_missing: v.entry.is_none(),
        accesses,
    });
    id
}

#[cfg(test)]
mod tests;

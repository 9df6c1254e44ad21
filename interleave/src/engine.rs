//! Running the schedules: for each pair (in a seeded order) every [`Schedule`],
//! each attempt with two fresh trace ids (seeded) sent as `traceparent`, so the
//! HTTP-mode proxies on the hops know which attempt a hop request belongs to.
//!
//! An overlap attempt installs a hold rule (the held side's trace id, its
//! conflicting step's method and path) on every proxy, sends the held side, waits
//! until some proxy holds it, sends the other side, waits until the other side's
//! conflicting step has passed or completed at some proxy, and releases. Every
//! wait is bounded; a schedule that did not happen is recorded as not achieved,
//! with the reason, never retried into looking achieved.

use crate::client::{send, HttpRequest};
use crate::hooks::StateHooks;
use crate::pairs::CandidatePair;
use crate::requests::{RequestSource, Side};
use crate::schedule::{other, Attempt, Both, Point, Schedule};
use crate::InterleaveError;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_proxy::http1::{Match, Rule};
use rjepsen_proxy::{HttpEvent, HttpEventKind, HttpProxy};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long each bounded wait lasts.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// For the held step to arrive at a proxy, and for the other step's point.
    pub wait: Duration,
    /// A hold's own limit (then the proxy forwards it anyway).
    pub hold: Duration,
    /// For a root request's response.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            wait: Duration::from_secs(5),
            hold: Duration::from_secs(10),
            request: Duration::from_secs(30),
        }
    }
}

pub struct Engine {
    pub proxies: Vec<HttpProxy>,
    pub source: Box<dyn RequestSource>,
    pub hooks: Option<Box<dyn StateHooks>>,
    pub timeouts: Timeouts,
    /// The clock the proxies stamp with (give them the same epoch).
    pub epoch: Instant,
    rng: Mutex<ChaCha8Rng>,
}

impl Engine {
    pub fn new(
        proxies: Vec<HttpProxy>,
        source: Box<dyn RequestSource>,
        seed: u64,
        epoch: Instant,
    ) -> Engine {
        Engine {
            proxies,
            source,
            hooks: None,
            timeouts: Timeouts::default(),
            epoch,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// The pairs' indices in the seeded order they are tried.
    pub fn order(&self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut *self.rng.lock().expect("rng"));
        order
    }

    /// Every schedule of every pair; `each` sees each attempt as it is made.
    pub async fn run(
        &self,
        pairs: &[CandidatePair],
        mut each: impl FnMut(&Attempt) -> Result<(), InterleaveError>,
    ) -> Result<Vec<Attempt>, InterleaveError> {
        if let Some(h) = &self.hooks {
            h.snapshot().await?;
        }
        let mut all = Vec::new();
        for i in self.order(pairs.len()) {
            for schedule in Schedule::all() {
                let a = self.attempt(all.len(), i, &pairs[i], schedule).await?;
                each(&a)?;
                all.push(a);
            }
        }
        Ok(all)
    }

    fn trace_id(&self) -> String {
        let v: u128 = self.rng.lock().expect("rng").gen::<u128>() | 1;
        format!("{v:032x}")
    }

    fn ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// One attempt: restore, the schedule, observe.
    pub async fn attempt(
        &self,
        n: usize,
        index: usize,
        pair: &CandidatePair,
        schedule: Schedule,
    ) -> Result<Attempt, InterleaveError> {
        if let Some(h) = &self.hooks {
            h.restore().await?;
        }
        let tids = Both {
            a: self.trace_id(),
            b: self.trace_id(),
        };
        let with_tp = |side: Side| {
            let mut r = self.source.request(pair, side, n);
            let tp = format!(
                "00-{}-{:016x}-01",
                tids.get(side),
                0x5eed_0000_0000_0001u64 + n as u64
            );
            r.headers.push(("traceparent".into(), tp));
            r
        };
        let requests = Both {
            a: with_tp(Side::A),
            b: with_tp(Side::B),
        };
        let start_ns = self.ns();
        let (responses, note) = match schedule {
            Schedule::Serial { first } => (self.serial(&requests, first).await, None),
            Schedule::Hold { held, point } => {
                let steps = Both {
                    a: self.source.step_match(&pair.a, n),
                    b: self.source.step_match(&pair.b, n),
                };
                self.overlap(&steps, &requests, &tids, held, point).await
            }
        };
        let end_ns = self.ns();
        let observed = match &self.hooks {
            Some(h) => h.observe().await?,
            None => None,
        };
        let events = self.events_of(&tids);
        Ok(Attempt {
            attempt: n,
            pair: index,
            schedule: schedule.name(),
            trace_ids: tids,
            requests,
            responses,
            achieved: note.is_none(),
            note,
            observed,
            events,
            start_ns,
            end_ns,
        })
    }

    async fn serial(
        &self,
        r: &Both<HttpRequest>,
        first: Side,
    ) -> Both<crate::client::HttpResponse> {
        let x = send(r.get(first), self.epoch, self.timeouts.request).await;
        let y = send(r.get(other(first)), self.epoch, self.timeouts.request).await;
        match first {
            Side::A => Both { a: x, b: y },
            Side::B => Both { a: y, b: x },
        }
    }

    /// Hold `held`'s step until the other's reaches `point`; the note says what failed.
    async fn overlap(
        &self,
        steps: &Both<(String, String)>,
        r: &Both<HttpRequest>,
        tids: &Both<String>,
        held: Side,
        point: Point,
    ) -> (Both<crate::client::HttpResponse>, Option<String>) {
        let until = other(held);
        let step = |s: Side| steps.get(s);
        let m = Match::any()
            .method(&step(held).0)
            .path(&step(held).1)
            .trace_id(tids.get(held));
        let rule = Rule::hold(m, self.timeouts.hold);
        let rules: Vec<_> = self
            .proxies
            .iter()
            .map(|p| (p.clone(), p.add_rule(rule.clone())))
            .collect();
        let (epoch, t) = (self.epoch, self.timeouts.request);
        let hreq = r.get(held).clone();
        let h_task = tokio::spawn(async move { send(&hreq, epoch, t).await });
        let tid = tids.get(held).clone();
        let held_ev = self
            .wait_any(move |e| {
                e.trace_id.as_deref() == Some(&tid) && matches!(e.kind, HttpEventKind::Held { .. })
            })
            .await;
        let ureq = r.get(until).clone();
        let u_task = tokio::spawn(async move { send(&ureq, epoch, t).await });
        let mut note = None;
        if held_ev.is_none() {
            note = Some(format!(
                "{}'s step {} was never held at a proxy",
                side_name(held),
                describe(step(held))
            ));
        } else {
            let want = step_event(step(until), tids.get(until), point);
            if self.wait_any(want).await.is_none() {
                note = Some(format!(
                    "{}'s step {} did not reach {point:?} while the other was held",
                    side_name(until),
                    describe(step(until))
                ));
            }
        }
        for (p, id) in rules {
            p.release(id);
        }
        let (h, u) = (
            h_task.await.expect("request task"),
            u_task.await.expect("request task"),
        );
        if note.is_none()
            && self.events_of(tids).iter().any(|e| {
                matches!(
                    e.kind,
                    HttpEventKind::Released {
                        timed_out: true,
                        ..
                    }
                )
            })
        {
            note = Some("the hold timed out before the release".into());
        }
        let responses = if held == Side::A {
            Both { a: h, b: u }
        } else {
            Both { a: u, b: h }
        };
        (responses, note)
    }

    /// The first event, at any proxy, that satisfies `pred`, within the wait.
    async fn wait_any(
        &self,
        pred: impl Fn(&HttpEvent) -> bool + Send + Sync + 'static,
    ) -> Option<HttpEvent> {
        let pred = Arc::new(pred);
        let mut set = tokio::task::JoinSet::new();
        for p in &self.proxies {
            let (p, pred, wait) = (p.clone(), pred.clone(), self.timeouts.wait);
            set.spawn(async move { p.wait_for(|e| pred(e), wait).await });
        }
        while let Some(r) = set.join_next().await {
            if let Ok(Some(e)) = r {
                return Some(e);
            }
        }
        None
    }

    fn events_of(&self, tids: &Both<String>) -> Vec<HttpEvent> {
        let mut ev: Vec<HttpEvent> = self
            .proxies
            .iter()
            .flat_map(|p| p.events())
            .filter(|e| {
                e.trace_id
                    .as_ref()
                    .is_some_and(|t| t == &tids.a || t == &tids.b)
            })
            .collect();
        ev.sort_by_key(|e| e.ns);
        ev
    }
}

fn side_name(s: Side) -> &'static str {
    if s == Side::A {
        "A"
    } else {
        "B"
    }
}

fn describe(s: &(String, String)) -> String {
    format!("{} {}", s.0, s.1)
}

/// The predicate "the step (method, path pattern) of trace `tid` reached `point`".
fn step_event(
    step: &(String, String),
    tid: &str,
    point: Point,
) -> impl Fn(&HttpEvent) -> bool + Send + Sync + 'static {
    let m = Match::any().method(&step.0).path(&step.1).trace_id(tid);
    move |e: &HttpEvent| {
        let at = match point {
            Point::Passed => e.kind == HttpEventKind::Passed,
            Point::Completed => matches!(e.kind, HttpEventKind::Completed { .. }),
        };
        at && m.matches(&e.method, &e.target, e.trace_id.as_deref())
    }
}

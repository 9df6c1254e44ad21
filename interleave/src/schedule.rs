//! The schedules an attempt can force on a pair, and the record of an attempt.
//!
//! For a pair (A, B), the overlap schedules hold one side's conflicting step at
//! its hop until the other side's conflicting step has passed (been forwarded) or
//! completed (been answered), then release it — each of A and B held in turn,
//! each point — and the serial schedules run A then B and B then A. The serial
//! pair is MicroRacer's; the overlaps are what it cannot do.

use crate::client::{HttpRequest, HttpResponse};
use crate::requests::Side;
use rjepsen_proxy::HttpEvent;
use serde::Serialize;

/// When the held step is let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Point {
    /// The other step was forwarded upstream.
    Passed,
    /// The other step's response came back.
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// Hold `held`'s step until `until`'s step reaches `point`.
    Hold { held: Side, point: Point },
    /// Run `first` to completion, then the other.
    Serial { first: Side },
}

impl Schedule {
    /// Every schedule of a pair, in the order they are tried.
    pub fn all() -> [Schedule; 6] {
        use Point::*;
        use Side::*;
        [
            Schedule::Hold {
                held: A,
                point: Passed,
            },
            Schedule::Hold {
                held: A,
                point: Completed,
            },
            Schedule::Hold {
                held: B,
                point: Passed,
            },
            Schedule::Hold {
                held: B,
                point: Completed,
            },
            Schedule::Serial { first: A },
            Schedule::Serial { first: B },
        ]
    }

    /// A stable name: `hold_a_until_b_passed`, `serial_a_b`, ...
    pub fn name(&self) -> String {
        let s = |x: Side| if x == Side::A { "a" } else { "b" };
        match *self {
            Schedule::Hold { held, point } => {
                let p = if point == Point::Passed {
                    "passed"
                } else {
                    "completed"
                };
                format!("hold_{}_until_{}_{p}", s(held), s(other(held)))
            }
            Schedule::Serial { first } => format!("serial_{}_{}", s(first), s(other(first))),
        }
    }
}

pub fn other(side: Side) -> Side {
    match side {
        Side::A => Side::B,
        Side::B => Side::A,
    }
}

/// A value per side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Both<T> {
    pub a: T,
    pub b: T,
}

impl<T> Both<T> {
    pub fn get(&self, side: Side) -> &T {
        match side {
            Side::A => &self.a,
            Side::B => &self.b,
        }
    }
}

/// One attempt, as written to `attempts.jsonl` (and to a test's history).
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// The attempt's number in the run (from 0).
    pub attempt: usize,
    /// The pair's index in the input file.
    pub pair: usize,
    pub schedule: String,
    pub trace_ids: Both<String>,
    pub requests: Both<HttpRequest>,
    pub responses: Both<HttpResponse>,
    /// The schedule really happened: the held step was seen and held, and the
    /// other step reached its point before the release (always true for serial).
    pub achieved: bool,
    /// Why not, when not achieved.
    pub note: Option<String>,
    /// What the observe hook printed after the attempt.
    pub observed: Option<String>,
    /// The proxies' events of the two trace ids.
    pub events: Vec<HttpEvent>,
    pub start_ns: u64,
    pub end_ns: u64,
}

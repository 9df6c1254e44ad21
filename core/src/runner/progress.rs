//! A progress line: ops done, ops/s, outcomes, and what the nemesis is doing.
//!
//! On a terminal the line is redrawn every second; otherwise (CI, a pipe) a line is
//! printed every ten seconds so that logs stay readable. Which nemesis ops start
//! and stop which fault comes from the test's [`FaultBook`], never from names.

use crate::fault::{Edge, FaultBook};
use crate::op::{Op, OpCounts, Process};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How the runner reports progress.
#[derive(Clone, Debug)]
pub struct ProgressOptions {
    /// No progress line.
    pub quiet: bool,
    /// The faults the nemesis may cause.
    pub faults: FaultBook,
}

impl ProgressOptions {
    /// No line, built-in faults (tests).
    pub fn quiet() -> ProgressOptions {
        ProgressOptions {
            quiet: true,
            faults: FaultBook::builtin(),
        }
    }
}

pub(crate) struct Progress {
    tty: bool,
    every: Duration,
    last_print: Instant,
    last_count: u64,
    last_time: u64,
    invoked: u64,
    counts: OpCounts,
    /// Active faults by kind, with a short description.
    faults: BTreeMap<String, String>,
    book: FaultBook,
    quiet: bool,
}

impl Progress {
    pub fn new(options: ProgressOptions) -> Progress {
        let ProgressOptions { quiet, faults } = options;
        let tty = std::io::stderr().is_terminal();
        Progress {
            tty,
            every: if tty {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(10)
            },
            last_print: Instant::now(),
            last_count: 0,
            last_time: 0,
            invoked: 0,
            counts: OpCounts::default(),
            faults: BTreeMap::new(),
            book: faults,
            quiet,
        }
    }

    pub fn next_tick(&self) -> Instant {
        self.last_print + self.every
    }

    pub fn invoked(&mut self) {
        self.invoked += 1;
    }

    pub fn completed(&mut self, op: &Op) {
        if op.process == Process::Nemesis {
            self.nemesis(op);
            return;
        }
        self.counts.add(op);
    }

    /// Tracks faults from nemesis completions, by the book's specs.
    fn nemesis(&mut self, op: &Op) {
        let Some((spec, edge)) = self.book.edge(&op.f) else {
            return;
        };
        match edge {
            Edge::Start => {
                self.faults.insert(spec.name.clone(), summarize(&op.value));
            }
            Edge::Stop => {
                self.faults.remove(&spec.name);
            }
        }
    }

    /// The nemesis state as text: `partition {..}, kill [n2]` or `healthy`.
    pub fn nemesis_state(&self) -> String {
        if self.faults.is_empty() {
            return "healthy".into();
        }
        self.faults
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The status line at `now` ns since start.
    pub fn line(&mut self, now: u64) -> String {
        let done = self.counts.completed();
        let dt = (now.saturating_sub(self.last_time)) as f64 / 1e9;
        let rate = if dt > 0.0 {
            (done - self.last_count) as f64 / dt
        } else {
            0.0
        };
        self.last_count = done;
        self.last_time = now;
        format!(
            "[{:>6.1}s] {done} ops ({rate:.0}/s) ok {} fail {} info {} | nemesis: {}",
            now as f64 / 1e9,
            self.counts.ok,
            self.counts.fail,
            self.counts.info,
            self.nemesis_state()
        )
    }

    pub fn maybe_print(&mut self, now: u64) {
        if self.quiet || Instant::now() < self.next_tick() {
            return;
        }
        self.last_print = Instant::now();
        let mut line = self.line(now);
        let mut err = std::io::stderr().lock();
        if self.tty {
            line.truncate(160);
            let _ = write!(err, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Ends the redrawn line so that the next output starts on its own line.
    pub fn finish(&mut self) {
        if self.tty && !self.quiet {
            eprintln!();
        }
    }
}

fn summarize(v: &serde_json::Value) -> String {
    let mut s = v.to_string();
    if s.len() > 60 {
        s.truncate(57);
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::OpType;
    use serde_json::json;

    #[test]
    fn tracks_faults_and_counts() {
        let mut p = Progress::new(ProgressOptions::quiet());
        let nem = |f: &str, v: serde_json::Value| {
            Op::invoke(Process::Nemesis, f, v.clone()).complete(OpType::Info, v)
        };
        p.completed(&nem("start-partition", json!({"n1": ["n2"]})));
        p.completed(&nem("kill", json!(["n3"])));
        assert_eq!(p.nemesis_state(), r#"kill ["n3"], partition {"n1":["n2"]}"#);
        p.completed(&nem("stop-partition", json!(null)));
        p.completed(&nem("start", json!(["n3"])));
        assert_eq!(p.nemesis_state(), "healthy");
        let c = Op::invoke(Process::Client(0), "read", json!(null));
        p.completed(&c.ok());
        p.completed(&c.info("timeout"));
        let line = p.line(2_000_000_000);
        assert!(line.contains("2 ops (1/s) ok 1 fail 0 info 1"), "{line}");
    }

    /// A fault whose `f`s are not `start-X`/`stop-X` shows by its spec; an `f`
    /// no spec names is not taken for a fault.
    #[test]
    fn shows_faults_by_spec_not_by_prefix() {
        use crate::fault::FaultSpec;
        let clock = FaultSpec::new("clock", &["bump-clock"], &["reset-clock"], 5, "#000000");
        let mut p = Progress::new(ProgressOptions {
            quiet: true,
            faults: FaultBook::new(vec![clock]),
        });
        let nem = |f: &str, v: serde_json::Value| {
            Op::invoke(Process::Nemesis, f, v.clone()).complete(OpType::Info, v)
        };
        p.completed(&nem("bump-clock", json!({"n1": 250})));
        p.completed(&nem("start-partition", json!({"n1": ["n2"]})));
        assert_eq!(p.nemesis_state(), r#"clock {"n1":250}"#);
        p.completed(&nem("reset-clock", json!(null)));
        assert_eq!(p.nemesis_state(), "healthy");
    }
}

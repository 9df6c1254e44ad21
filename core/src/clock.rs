//! The history's clock against the wall clock.
//!
//! A history's `time` is nanoseconds since the test started, measured on a
//! monotonic clock so that it never jumps. Node logs and metrics are stamped
//! with the wall clock, so relating them to ops and fault windows needs the
//! wall-clock moment of `time = 0`: the runner writes it to `clock.json` in the
//! run directory just before the first op, and `rjepsen export` reads it back.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// The file in a run directory that anchors the history's clock.
pub const CLOCK_FILE: &str = "clock.json";

/// The wall-clock moment at which the history's `time` was 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryClock {
    /// Nanoseconds since the Unix epoch (UTC).
    pub wall_start_ns: u64,
}

impl HistoryClock {
    /// The clock of a history that starts now.
    pub fn starting_now() -> HistoryClock {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        HistoryClock {
            wall_start_ns: since.as_nanos() as u64,
        }
    }

    /// A wall-clock time (ns since the epoch) on the history's clock; times
    /// before the test started are negative.
    pub fn to_history(&self, wall_ns: i128) -> i128 {
        wall_ns - self.wall_start_ns as i128
    }

    /// A history time as ns since the epoch.
    pub fn to_wall(&self, history_ns: i128) -> i128 {
        history_ns + self.wall_start_ns as i128
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_both_ways() {
        let c = HistoryClock {
            wall_start_ns: 1_700_000_000_000_000_000,
        };
        assert_eq!(c.to_history(1_700_000_001_000_000_000), 1_000_000_000);
        assert_eq!(c.to_history(1_699_999_999_000_000_000), -1_000_000_000);
        assert_eq!(c.to_wall(c.to_history(123_456_789)), 123_456_789);
        assert!(HistoryClock::starting_now().wall_start_ns > c.wall_start_ns);
    }
}

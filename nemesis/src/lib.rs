//! rjepsen-nemesis: faults, and schedules of faults.

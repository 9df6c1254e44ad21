//! rjepsen-workloads: what to run and how to check it.

//! rjepsen-db: one module per system under test, each behind a cargo feature.

//! Integration tests of rjepsen-report: reports written from the fixture store
//! (report/tests/fixtures/store, made by make_fixtures.py) and checked for the
//! elements a person needs, and the HTTP server on loopback.

mod integration {
    mod common;
    mod node_plots;
    mod report;
    mod serve;
}

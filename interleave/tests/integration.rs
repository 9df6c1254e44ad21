//! Integration tests of rjepsen-interleave: the engine end to end against a small
//! racy two-service HTTP app (tests/app/racy_shop.py, Python stdlib) behind
//! HTTP-mode proxies, with pairs that `rjepsen-traces` derived from its traces.

mod integration {
    mod racy_shop;
    mod traces;
}

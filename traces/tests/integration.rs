//! Integration tests of rjepsen-traces: the three shared MicroRacer cases against
//! MicroRacer's own outputs.

mod integration {
    mod microracer;
}

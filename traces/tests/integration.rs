//! Integration tests of rjepsen-traces: the three shared MicroRacer cases against
//! MicroRacer's own outputs, and the shop's own OTLP corpus.

mod integration {
    mod microracer;
    mod shop;
}

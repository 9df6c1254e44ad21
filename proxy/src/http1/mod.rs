//! The HTTP/1.1-aware mode: a proxy that understands the requests it forwards,
//! so that a nemesis can hold one request at a hop (until released), answer it
//! with an error instead of forwarding, and know when each request arrived,
//! passed upstream and completed — the interleaving nemesis's instrument
//! (docs/proxy.md, "HTTP mode"). Matching is by method, path pattern and the
//! W3C `traceparent` trace id, which is how a hop request is tied to the attempt
//! that caused it.

mod log;
mod proxy;
mod rules;
mod wire;

pub use log::{HttpEvent, HttpEventKind};
pub use proxy::HttpProxy;
pub use rules::{Action, Match, Rule, RuleId};

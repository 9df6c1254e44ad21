//! HTTP control: toxiproxy's API as a compatibility subset, and a read-only status
//! page (`GET /status`).
//!
//! The HTTP view is derived from the group's one fault set, not kept beside it: a
//! toxiproxy toxic `t` on proxy `p` is the group toxic named `p/t` on link
//! `Link::into(p)`, and `enabled: false` is a `down` toxic named `p/disabled`. So
//! faults set through the library show up here and the other way round.

mod routes;
mod shapes;

pub use routes::{router, serve};
pub use shapes::{ApiProxy, ApiToxic};

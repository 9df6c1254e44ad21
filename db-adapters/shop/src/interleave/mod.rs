//! The shop's side of `--nemesis interleave` (docs/interleave.md, "In
//! `rjepsen test`"): HTTP-mode proxies on every hop ([`hops`]), fresh
//! requests per attempt of a candidate pair ([`source`]), and the checker of
//! the attempts against the shop's invariants ([`check`]).
//!
//! It lives with the shop, not in the engine, because what makes an attempt
//! start from a known state (fresh ids, the rows to read back) is the
//! shop's own knowledge; the engine knows only requests and hops.

pub mod check;
pub mod hops;
pub mod source;

/// The nemesis's name (`--nemesis interleave`).
pub const NEMESIS: &str = "interleave";

pub use check::WithInterleave;
pub use hops::HopProxies;
pub use source::ShopSource;

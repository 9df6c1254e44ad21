//! The shop (`targets/shop/`) as a database of rjepsen: `--db shop`.
//!
//! Issue 12 needs a real traced microservice system that rjepsen sets up
//! itself, so that a run's own traces give the conflicting pairs. [`Shop`] is
//! its `Db`: Debian's PostgreSQL on the first node, the four Flask services on
//! the next two ([`layout`]: fronts on client addresses, backs and the database
//! on peer addresses, so a proxy can stand on every hop), each service given
//! every address it dials from the test's book, and exporting its spans to an
//! OTLP receiver (`rjepsen-collector`) that the `Db` starts for the test.
//! [`ShopClient`] sends the shop workload's ops as HTTP requests to the
//! front services. [`ShopOptions`] holds `--shop-fixed` and the workload's spread. Kill and
//! pause act on every part of the shop on a node (`faults`). See docs/shop.md.

mod client;
mod commands;
mod db;
mod faults;
mod http;
pub mod interleave;
pub mod layout;
mod options;

pub use client::ShopClient;
pub use commands::{log_file, APP_DIR, PG_DATA, SOURCES, VENV};
pub use db::{traces_dir, Shop, PORTS};
pub use options::ShopOptions;

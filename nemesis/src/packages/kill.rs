//! The `kill` package: kill and start the DB through its `Kill` ability.
//!
//! It needs no sweep: a killed DB is started again by the next test's setup
//! (and `start` of every node is the heal op).

use crate::package::{Built, FaultPackage, PackageContext};
use crate::process::{process_package, ProcessFault};
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use serde_json::Value;

pub(crate) struct Kill;

impl FaultPackage for Kill {
    fn spec(&self) -> FaultSpec {
        builtin_spec("kill").expect("kill is built in")
    }

    fn missing_ability(&self, db: &dyn Db) -> Option<&'static str> {
        (!ProcessFault::Kill.supported_by(db)).then_some("Kill")
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        process_package(ProcessFault::Kill, &self.spec(), self.heal_value(), ctx)
    }

    fn heal_value(&self) -> Value {
        Value::from("all")
    }
}

//! The `kill` package: kill and start the DB through its `Kill` ability.
//!
//! It needs no sweep: a killed DB is started again by the next test's setup
//! (and `start` of every node is the heal op).

use crate::package::{Built, FaultPackage, PackageContext};
use crate::process::{ProcessFault, ProcessNemesis};
use crate::schedule::{targets, FaultCycle};
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
        let values = targets(ctx.db.as_primary().is_some());
        Built {
            nemesis: Box::new(ProcessNemesis::new(ProcessFault::Kill, ctx.db.clone())),
            schedule: Box::new(FaultCycle::new(
                &self.spec(),
                self.heal_value(),
                values.into_iter().map(Value::from).collect(),
                ctx.interval_secs,
            )),
        }
    }

    fn heal_value(&self) -> Value {
        Value::from("all")
    }
}

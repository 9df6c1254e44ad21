//! Several nemeses as one, routing each op by its `f` (Jepsen's `compose`).
//!
//! Teardown heals with every child — even those never invoked — and goes on past
//! a child that fails, so one unreachable node cannot leave another partitioned;
//! the errors of all children are reported together.

use async_trait::async_trait;
use rjepsen_core::nemesis::{Nemesis, NemesisError};
use rjepsen_core::op::Op;
use rjepsen_core::test::Test;

/// Routes ops to the child whose [`Nemesis::fs`] lists the op's `f`.
/// With no children it is the no-op nemesis.
pub struct Compose {
    children: Vec<Box<dyn Nemesis>>,
}

impl Compose {
    /// Children are set up, and torn down, in this order.
    pub fn new(children: Vec<Box<dyn Nemesis>>) -> Compose {
        Compose { children }
    }

    fn route(&self, f: &str) -> Option<&dyn Nemesis> {
        self.children
            .iter()
            .find(|c| c.fs().iter().any(|x| x == f))
            .map(|c| c.as_ref())
    }
}

fn joined(action: &str, errors: Vec<NemesisError>) -> Result<(), NemesisError> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(NemesisError {
        action: action.to_string(),
        message: errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    })
}

#[async_trait]
impl Nemesis for Compose {
    async fn setup(&self, test: &Test) -> Result<(), NemesisError> {
        let mut errors = Vec::new();
        for c in &self.children {
            if let Err(e) = c.setup(test).await {
                errors.push(e);
            }
        }
        joined("set up the nemesis", errors)
    }

    async fn invoke(&self, test: &Test, op: &Op) -> Op {
        match self.route(&op.f) {
            Some(child) => child.invoke(test, op).await,
            None => op.info(format!(
                "failed to route nemesis op {:?}: no nemesis handles it (known: {})",
                op.f,
                self.fs().join(", ")
            )),
        }
    }

    async fn teardown(&self, test: &Test) -> Result<(), NemesisError> {
        let mut errors = Vec::new();
        for c in &self.children {
            if let Err(e) = c.teardown(test).await {
                errors.push(e);
            }
        }
        joined("heal every fault", errors)
    }

    fn fs(&self) -> Vec<String> {
        self.children.iter().flat_map(|c| c.fs()).collect()
    }
}

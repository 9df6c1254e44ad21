//! The `Nemesis` extension point: faults injected during the test.
//!
//! A nemesis is a client of the cluster itself. It receives ops from the nemesis
//! generator on the process `"nemesis"` (`start-partition`, `kill`, ...) and returns a
//! completion whose value records what it did to which node. [`Nemesis::teardown`]
//! must heal everything it may have done — it is called at the end of every test,
//! also after Ctrl-C or a panic, and must work even if `invoke` was never called.

use crate::op::Op;
use crate::test::Test;
use async_trait::async_trait;

/// Why a nemesis could not be set up or healed.
#[derive(Debug, thiserror::Error)]
#[error("failed to {action}: {message}")]
pub struct NemesisError {
    pub action: String,
    pub message: String,
}

#[async_trait]
pub trait Nemesis: Send + Sync {
    /// Prepares (for example, checks that iptables exists on every node).
    async fn setup(&self, _test: &Test) -> Result<(), NemesisError> {
        Ok(())
    }

    /// Performs a nemesis op and returns its completion (usually `info`, with the
    /// effect as value). Failures are recorded in the completion, not returned.
    async fn invoke(&self, test: &Test, op: &Op) -> Op;

    /// Heals every fault this nemesis can cause. Idempotent.
    async fn teardown(&self, test: &Test) -> Result<(), NemesisError>;

    /// The `f`s this nemesis handles, so that a composed nemesis can route ops.
    fn fs(&self) -> Vec<String>;
}

//! A client wrapper that bounds every `invoke` (Jepsen's `client/timeout`).
//!
//! It implements `Client` itself, so it composes with any client. An invoke that
//! takes longer than the limit becomes `info`: it may still take effect.

use crate::client::{Client, ClientError};
use crate::op::Op;
use crate::test::Test;
use async_trait::async_trait;
use std::time::Duration;

pub struct TimeoutClient {
    inner: Box<dyn Client>,
    limit: Duration,
}

/// A template that opens `TimeoutClient`s around the clients `inner` opens.
pub struct TimeoutTemplate {
    pub inner: std::sync::Arc<dyn Client>,
    pub limit: Duration,
}

#[async_trait]
impl Client for TimeoutTemplate {
    async fn open(&self, test: &Test, node: &str) -> Result<Box<dyn Client>, ClientError> {
        let inner = tokio::time::timeout(self.limit, self.inner.open(test, node))
            .await
            .map_err(|_| ClientError {
                node: node.to_string(),
                action: "open a client".into(),
                message: format!("timed out after {:?}", self.limit),
            })??;
        Ok(Box::new(TimeoutClient {
            inner,
            limit: self.limit,
        }))
    }

    async fn invoke(&mut self, _test: &Test, op: &Op) -> Op {
        op.fail("a template client cannot invoke")
    }
}

#[async_trait]
impl Client for TimeoutClient {
    async fn open(&self, test: &Test, node: &str) -> Result<Box<dyn Client>, ClientError> {
        self.inner.open(test, node).await
    }

    async fn setup(&mut self, test: &Test) -> Result<(), ClientError> {
        self.inner.setup(test).await
    }

    async fn invoke(&mut self, test: &Test, op: &Op) -> Op {
        match tokio::time::timeout(self.limit, self.inner.invoke(test, op)).await {
            Ok(c) => c,
            Err(_) => op.info(format!("timed out after {:?}", self.limit)),
        }
    }

    async fn teardown(&mut self, test: &Test) -> Result<(), ClientError> {
        self.inner.teardown(test).await
    }

    async fn close(&mut self) {
        self.inner.close().await
    }
}

//! Worker tasks: one per client thread, and one for the nemesis.
//!
//! A worker receives invocations, performs them, and sends completions back to the
//! scheduler. It turns every way an op can go wrong — an open that fails, a panic
//! inside `invoke`, a completion of the wrong shape — into a completion, so the
//! history always says what happened to each invocation.

use super::scheduler::Completion;
use crate::checker::panic_text;
use crate::client::Client;
use crate::nemesis::Nemesis;
use crate::op::{Op, OpType};
use crate::test::Test;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Makes `completion` a well-formed completion of `invocation`.
fn conform(invocation: &Op, mut completion: Op) -> Op {
    completion.process = invocation.process.clone();
    completion.f = invocation.f.clone();
    if completion.kind == OpType::Invoke {
        completion.kind = OpType::Info;
        completion.error = Some("client returned an invocation".into());
    }
    completion
}

/// A client worker bound to `node`. Opens its client lazily, and again after an
/// indeterminate op (the process that follows is a new process, as in Jepsen).
pub(crate) async fn client_worker(
    thread: usize,
    node: String,
    test: Arc<Test>,
    template: Arc<dyn Client>,
    mut ops: mpsc::Receiver<Op>,
    done: mpsc::Sender<Completion>,
) {
    let mut client: Option<Box<dyn Client>> = None;
    while let Some(op) = ops.recv().await {
        if client.is_none() {
            match template.open(&test, &node).await {
                Ok(c) => client = Some(c),
                Err(e) => {
                    let mut c = op.fail(format!("failed to open client: {e}"));
                    c.node = Some(node.clone());
                    if done.send((Some(thread), c)).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
        }
        let c = client.as_mut().expect("opened above");
        let result = AssertUnwindSafe(c.invoke(&test, &op)).catch_unwind().await;
        let mut completion = match result {
            Ok(completion) => conform(&op, completion),
            Err(p) => op.info(format!("client panicked: {}", panic_text(&*p))),
        };
        completion.node.get_or_insert_with(|| node.clone());
        if completion.kind == OpType::Info {
            if let Some(mut c) = client.take() {
                c.close().await;
            }
        }
        if done.send((Some(thread), completion)).await.is_err() {
            break;
        }
    }
    if let Some(mut c) = client {
        c.close().await;
    }
}

/// The nemesis worker.
pub(crate) async fn nemesis_worker(
    test: Arc<Test>,
    nemesis: Arc<dyn Nemesis>,
    mut ops: mpsc::Receiver<Op>,
    done: mpsc::Sender<Completion>,
) {
    while let Some(op) = ops.recv().await {
        let result = AssertUnwindSafe(nemesis.invoke(&test, &op))
            .catch_unwind()
            .await;
        let completion = match result {
            Ok(c) => conform(&op, c),
            Err(p) => op.info(format!("nemesis panicked: {}", panic_text(&*p))),
        };
        if done.send((None, completion)).await.is_err() {
            break;
        }
    }
}

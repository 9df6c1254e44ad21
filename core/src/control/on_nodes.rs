//! Running one future per node at once, as Jepsen's `on-nodes` does.
//!
//! Futures run concurrently on the caller's task (no spawning), so they may borrow
//! the remote and the test; every node's result comes back, failures included, in
//! the order the nodes were given, so a caller can say which nodes failed and why.

use std::future::Future;

/// Runs `f(node)` for every node concurrently; returns `(node, result)` in order.
pub async fn on_nodes<T, F, Fut>(nodes: &[String], f: F) -> Vec<(String, T)>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = T>,
{
    let futures = nodes.iter().map(|n| {
        let fut = f(n.clone());
        async move { (n.clone(), fut.await) }
    });
    futures_util::future::join_all(futures).await
}

/// Turns per-node results into all values, or the first error in node order.
pub fn all_ok<T, E>(results: Vec<(String, Result<T, E>)>) -> Result<Vec<(String, T)>, E> {
    results
        .into_iter()
        .map(|(node, r)| r.map(|v| (node, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn runs_concurrently_and_keeps_order() {
        let nodes: Vec<String> = ["n1", "n2", "n3"].iter().map(|s| s.to_string()).collect();
        let start = Instant::now();
        let out = on_nodes(&nodes, |n| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if n == "n2" {
                Err(format!("{n} broke"))
            } else {
                Ok(n.len())
            }
        })
        .await;
        assert!(start.elapsed() < Duration::from_millis(500));
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["n1", "n2", "n3"]);
        assert_eq!(out[0].1, Ok(2));
        assert_eq!(all_ok(out).unwrap_err(), "n2 broke");
    }
}

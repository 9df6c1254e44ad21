//! A long-running command's stdout, line by line, as it is printed.
//!
//! Metrics are read by one shell loop per node that prints a sample every
//! interval; starting a new SSH command per sample would cost a channel, a
//! shell and a fork each time on both ends. The stream owns the command: when
//! it is dropped, the reading task ends and the command's output channel
//! closes, so the remote loop dies of SIGPIPE at its next write.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Lines of a running command's stdout.
pub struct LineStream {
    rx: mpsc::Receiver<String>,
    task: JoinHandle<()>,
}

impl LineStream {
    /// Reads `stdout` in a task of its own that keeps `guard` (the child
    /// process or channel) alive until the output ends or the stream is dropped.
    pub(crate) fn spawn<R, G>(stdout: R, guard: G) -> LineStream
    where
        R: AsyncRead + Unpin + Send + 'static,
        G: Send + 'static,
    {
        let (tx, rx) = mpsc::channel(256);
        let task = tokio::spawn(async move {
            let _guard = guard;
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(line).await.is_err() {
                    break;
                }
            }
        });
        LineStream { rx, task }
    }

    /// The next line, or None once the command's output has ended.
    pub async fn next_line(&mut self) -> Option<String> {
        self.rx.recv().await
    }
}

impl Drop for LineStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

//! Optional state hooks around attempts: a snapshot before the first attempt, a
//! restore before each attempt (so every schedule starts from the same state, as
//! MicroRacer restores between its serial orders), and an observation after each
//! (the state a checker reads, e.g. a stock count). [`Commands`] runs shell
//! commands for the CLI; `rjepsen test` can implement the trait on its database.

use crate::InterleaveError;
use async_trait::async_trait;

#[async_trait]
pub trait StateHooks: Send + Sync {
    /// Records the state to go back to; called once, before the first attempt.
    async fn snapshot(&self) -> Result<(), InterleaveError>;
    /// Puts the snapshot back; called before every attempt.
    async fn restore(&self) -> Result<(), InterleaveError>;
    /// The state after an attempt, as text, if there is a way to read it.
    async fn observe(&self) -> Result<Option<String>, InterleaveError> {
        Ok(None)
    }
}

/// Hooks as `sh -c` commands; a missing one does nothing. A command that fails
/// (non-zero exit) stops the run with its stderr.
#[derive(Debug, Clone, Default)]
pub struct Commands {
    pub snapshot: Option<String>,
    pub restore: Option<String>,
    pub observe: Option<String>,
}

async fn run(hook: &'static str, cmd: &Option<String>) -> Result<Option<String>, InterleaveError> {
    let Some(command) = cmd else { return Ok(None) };
    let err = |reason: String| InterleaveError::Hook {
        hook,
        command: command.clone(),
        reason,
    };
    let out = tokio::process::Command::new("sh")
        .args(["-c", command])
        .output()
        .await
        .map_err(|e| err(e.to_string()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(err(format!("{}: {}", out.status, stderr.trim())));
    }
    Ok(Some(
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

#[async_trait]
impl StateHooks for Commands {
    async fn snapshot(&self) -> Result<(), InterleaveError> {
        run("snapshot", &self.snapshot).await.map(drop)
    }

    async fn restore(&self) -> Result<(), InterleaveError> {
        run("restore", &self.restore).await.map(drop)
    }

    async fn observe(&self) -> Result<Option<String>, InterleaveError> {
        run("observe", &self.observe).await
    }
}

//! The run's log, `rjepsen.log` in the store directory.

use std::path::Path;
use std::sync::Mutex;

/// Sends `tracing` events (info and above) to `path`.
pub fn to_file(path: &Path) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .try_init();
    Ok(())
}

/// Sends `tracing` warnings (a torn history line, for instance) to stderr, for
/// the commands that run without a store: `check`, `analyze`.
pub fn warnings_to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .without_time()
        .with_target(false)
        .try_init();
}

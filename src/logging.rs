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

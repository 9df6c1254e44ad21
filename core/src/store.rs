//! The store: one directory per run, `store/<test-name>/<timestamp>/`, with
//! `latest` links (see docs/store.md for what each file holds).

use serde::Serialize;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Why the store could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to {action} {path}: {source}")]
pub struct StoreError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// One run's directory.
#[derive(Clone, Debug)]
pub struct StoreRun {
    pub dir: PathBuf,
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-23T03:00:00.123Z`.
pub fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

impl StoreRun {
    /// Creates `root/<name>/<timestamp>/` and points `root/latest` and
    /// `root/<name>/latest` at it.
    pub fn create(root: &Path, name: &str) -> Result<StoreRun, StoreError> {
        let stamp = timestamp(SystemTime::now()).replace([':', '-'], "");
        let dir = root.join(name).join(&stamp);
        std::fs::create_dir_all(&dir).map_err(err("create", &dir))?;
        let run = StoreRun { dir };
        run.link(&root.join("latest"), &Path::new(name).join(&stamp))?;
        run.link(&root.join(name).join("latest"), Path::new(&stamp))?;
        Ok(run)
    }

    /// Opens an existing run directory (for `analyze`).
    pub fn open(dir: &Path) -> Result<StoreRun, StoreError> {
        let dir = dir.canonicalize().map_err(err("open", dir))?;
        Ok(StoreRun { dir })
    }

    fn link(&self, at: &Path, target: &Path) -> Result<(), StoreError> {
        let _ = std::fs::remove_file(at);
        std::os::unix::fs::symlink(target, at).map_err(err("link", at))
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn history_path(&self) -> PathBuf {
        self.path("history.jsonl")
    }

    /// `nodes/<node>/`, created.
    pub fn node_dir(&self, node: &str) -> Result<PathBuf, StoreError> {
        let d = self.dir.join("nodes").join(node);
        std::fs::create_dir_all(&d).map_err(err("create", &d))?;
        Ok(d)
    }

    /// Writes `value` as pretty JSON to `file`, atomically (write then rename), so a
    /// reader never sees half a file.
    pub fn write_json(&self, file: &str, value: &impl Serialize) -> Result<(), StoreError> {
        let path = self.path(file);
        let tmp = self.path(&format!(".{file}.tmp"));
        let text = serde_json::to_vec_pretty(value).map_err(|e| StoreError {
            action: "serialise",
            path: path.clone(),
            source: io::Error::other(e),
        })?;
        std::fs::write(&tmp, text).map_err(err("write", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(err("write", &path))
    }

    /// Reads `file` as JSON.
    pub fn read_json(&self, file: &str) -> Result<serde_json::Value, StoreError> {
        let path = self.path(file);
        let text = std::fs::read(&path).map_err(err("read", &path))?;
        serde_json::from_slice(&text).map_err(|e| StoreError {
            action: "parse",
            path,
            source: io::Error::other(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_run_dirs_and_latest_links() {
        let root = std::env::temp_dir().join(format!("rjepsen-store-{}", std::process::id()));
        let a = StoreRun::create(&root, "t").unwrap();
        a.write_json("test.json", &serde_json::json!({"seed": 1}))
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let b = StoreRun::create(&root, "t").unwrap();
        assert_ne!(a.dir, b.dir);
        let latest = root.join("latest").canonicalize().unwrap();
        assert_eq!(latest, b.dir.canonicalize().unwrap());
        let reopened = StoreRun::open(&root.join("t").join("latest")).unwrap();
        assert_eq!(reopened.dir, b.dir.canonicalize().unwrap());
        assert_eq!(a.read_json("test.json").unwrap()["seed"], 1);
        assert!(b
            .read_json("test.json")
            .unwrap_err()
            .to_string()
            .contains("test.json"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}

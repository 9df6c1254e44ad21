//! Shared helpers: a private copy of the fixture store per test, so that
//! writing reports never touches the committed fixtures.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const VALID: &str = "etcd-register/20261123T030000.000Z";
pub const INVALID: &str = "etcd-register/20261123T031000.000Z";
pub const INTERRUPTED: &str = "etcd-set/20261123T032000.000Z";
pub const UNKNOWN: &str = "etcd-append/20261123T033000.000Z";
pub const SET: &str = "etcd-set/20261123T034000.000Z";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, empty temporary directory.
pub fn temp_dir(what: &str) -> TempDir {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir =
        std::env::temp_dir().join(format!("rjepsen-report-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A copy of the fixture store, symbolic links kept as links.
pub fn fixture_store() -> TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store");
    let dst = temp_dir("store");
    copy_tree(&src, &dst);
    dst
}

fn copy_tree(src: &Path, dst: &Path) {
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &to).unwrap();
        } else if kind.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            copy_tree(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
}

/// Writes the report of `run` in `store` and returns its HTML.
pub fn report_of(store: &Path, run: &str) -> String {
    let path = rjepsen_report::write_report(&store.join(run)).unwrap();
    assert_eq!(path, store.join(run).join("report.html"));
    std::fs::read_to_string(path).unwrap()
}

/// How many times `needle` occurs in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

//! `rjepsen serve`: the store over HTTP, with an index of runs, a page of
//! campaigns and a trend page per test.
//!
//! On the field's standard stack: axum routes the pages and tower-http's
//! `ServeFile` serves the store's files (content types, HEAD, ranges). It is
//! meant for a person's browser on loopback, not for the Internet; the one
//! thing it is strict about is the path. Every request path is decoded, any
//! `.` or `..` segment, backslash or NUL is refused, and the resolved file must
//! lie inside the canonical store (so a symbolic link cannot lead out either)
//! before tower-http is handed the file. Every response closes its connection
//! and says `no-store`, so a browser always sees the store as it is now.

mod campaigns;
mod http;
mod index;
mod trends;

use crate::error::ReportError;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

/// A bound server; [`Server::run`] answers requests until the process ends.
pub struct Server {
    listener: TcpListener,
    store: PathBuf,
}

impl Server {
    /// Binds `bind` (e.g. `127.0.0.1:8080`; port 0 picks a free port) to serve
    /// `store`, which must exist.
    pub fn bind(store: &Path, bind: &str) -> Result<Server, ReportError> {
        let store = store
            .canonicalize()
            .map_err(|e| ReportError::io("open the store", store, e))?;
        let listener = TcpListener::bind(bind).map_err(|source| ReportError::Bind {
            addr: bind.to_string(),
            source,
        })?;
        Ok(Server { listener, store })
    }

    /// The address actually bound (with the port chosen when 0 was asked).
    pub fn local_addr(&self) -> Result<SocketAddr, ReportError> {
        self.listener
            .local_addr()
            .map_err(|source| ReportError::Bind {
                addr: "the listening socket".into(),
                source,
            })
    }

    /// Answers requests forever, on a tokio runtime of its own.
    pub fn run(self) -> Result<(), ReportError> {
        let bind_err = |source| ReportError::Bind {
            addr: "the listening socket".into(),
            source,
        };
        self.listener.set_nonblocking(true).map_err(bind_err)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(bind_err)?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener).map_err(bind_err)?;
            axum::serve(listener, http::router(self.store))
                .await
                .map_err(bind_err)
        })
    }
}

/// Serves `store` on `bind` until the process ends, printing the URL to stderr.
pub fn serve(store: &Path, bind: &str) -> Result<(), ReportError> {
    let server = Server::bind(store, bind)?;
    let addr = server.local_addr()?;
    eprintln!(
        "serving {} at http://{addr}/ (Ctrl-C stops)",
        store.display()
    );
    server.run()
}

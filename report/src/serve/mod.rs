//! `rjepsen serve`: the store over HTTP, with an index of runs.
//!
//! A small HTTP/1.1 server on `std::net`, one thread per connection, GET and
//! HEAD only, every response closing its connection. It is meant for a person's
//! browser on loopback, not for the Internet, so it stays small enough to read in
//! full, and the one thing it is strict about is the path: every request is
//! decoded, any `.` or `..` segment is refused, and the resolved file must lie
//! inside the canonical store (so a symbolic link cannot lead out either).

mod http;
mod index;

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

    /// Accepts connections forever, each on its own thread.
    pub fn run(self) -> Result<(), ReportError> {
        for conn in self.listener.incoming() {
            let Ok(stream) = conn else { continue };
            let store = self.store.clone();
            std::thread::spawn(move || http::handle(stream, &store));
        }
        Ok(())
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

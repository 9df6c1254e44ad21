//! Serves a store: `serve STORE [BIND]` (BIND defaults to 127.0.0.1:0). Prints
//! the URL on its first line of stdout, so that scripts/report-browser-test.sh
//! can find the port, then serves until killed.

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(store) = args.next() else {
        eprintln!("usage: serve STORE [BIND]");
        std::process::exit(254);
    };
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let result =
        rjepsen_report::Server::bind(std::path::Path::new(&store), &bind).and_then(|server| {
            println!("http://{}/", server.local_addr()?);
            let _ = std::io::stdout().flush();
            server.run()
        });
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(255);
    }
}

//! Writes the report of one store directory: `report DIR`. Used by
//! scripts/report-browser-test.sh before the `rjepsen` binary can do it.

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: report DIR");
        std::process::exit(254);
    };
    match rjepsen_report::write_report(std::path::Path::new(&dir)) {
        Ok(path) => println!("{}", path.display()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(255);
        }
    }
}

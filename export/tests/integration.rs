//! rjepsen-export's integration tests: one binary, modules under integration/.

mod integration {
    mod csv_read;
    mod export_run;
}

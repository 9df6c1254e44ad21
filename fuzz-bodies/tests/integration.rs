//! One integration-test binary for the crate (see CONTRIBUTING.md).
mod integration {
    mod replay;
}

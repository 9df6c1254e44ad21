//! The one integration-test binary of rjepsen-core.

mod integration {
    mod cluster;
}

//! Integration tests of rjepsen-nemesis on real network namespaces (root only;
//! each test skips with a message otherwise) and a fake DB.

mod integration {
    mod cluster;
    pub mod netns;
    mod packet;
    mod partition;
    mod process;
}

//! Integration tests of rjepsen-nemesis on real network namespaces (root only;
//! each test skips with a message otherwise) and a fake DB.

#[path = "integration/cluster.rs"]
mod cluster;
#[path = "integration/netns.rs"]
mod netns;
#[path = "integration/packet.rs"]
mod packet;
#[path = "integration/partition.rs"]
mod partition;
#[path = "integration/process.rs"]
mod process;

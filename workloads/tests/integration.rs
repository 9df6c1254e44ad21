//! Integration tests of rjepsen-workloads: each workload's generator driven
//! against an in-memory store, its history judged by the workload's own checker
//! composition — valid for a correct store, invalid once the history is
//! corrupted or the store is not isolated.

mod integration {
    pub mod sim;
    pub mod stores;
    pub mod workloads;
}

//! Node metrics: what a sampler on each node prints, how a sample is read, and
//! the one record that `metrics.jsonl` holds.
//!
//! Each node runs one shell loop (over the test's own SSH connection) that
//! prints `/proc` every interval; the control node turns two consecutive
//! snapshots into values: CPU shares and per-interval byte and packet counts
//! from the counters, memory and the DB process's RSS as they are. Parsing sits
//! in the pure half of core so that it is tested on real `/proc` text without
//! a node, and so that `rjepsen export` reads the same [`MetricSample`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The file in a run directory that holds the node metrics.
pub const METRICS_FILE: &str = "metrics.jsonl";
/// The fault proxies' per-link samples, in the same format (written by
/// `rjepsen test` with a proxy nemesis, read by `rjepsen export` with it).
pub const PROXY_METRICS_FILE: &str = "proxy-metrics.jsonl";

/// One value of one metric on one node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSample {
    /// Nanoseconds on the history's clock (negative: before the first op).
    pub time_ns: i64,
    pub node: String,
    /// e.g. `cpu_user`, `mem_used_bytes`, `net_eth0_rx_bytes`.
    pub metric: String,
    pub value: f64,
}

/// The line that opens a snapshot: `@ <wall ns>`; `.` closes it.
pub const SNAPSHOT_START: &str = "@ ";
pub const SNAPSHOT_END: &str = ".";

/// The sampler: a `sh` loop printing a snapshot every `interval_secs`. It
/// reads only `/proc` and `date`, so it runs on any Linux node.
pub fn sampler_script(interval_secs: f64, pid_file: Option<&str>) -> String {
    let pid = match pid_file {
        Some(f) => format!(
            "p=$(cat {f} 2>/dev/null); [ -n \"$p\" ] && echo \"proc $(cat /proc/$p/stat 2>/dev/null)\"; "
        ),
        None => String::new(),
    };
    format!(
        "echo \"conf $(getconf CLK_TCK) $(getconf PAGESIZE)\"; \
         while :; do echo \"@ $(date +%s%N)\"; head -n1 /proc/stat; \
         grep -E '^(MemTotal|MemAvailable):' /proc/meminfo; \
         sed 's/^/disk /' /proc/diskstats; tail -n +3 /proc/net/dev | sed 's/^/net /'; \
         {pid}echo .; sleep {interval_secs}; done"
    )
}

/// The sampler's constants: clock ticks per second and the page size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplerConf {
    pub hz: f64,
    pub page_bytes: f64,
}

impl SamplerConf {
    /// Reads the `conf HZ PAGESIZE` line.
    pub fn parse(line: &str) -> Option<SamplerConf> {
        let mut w = line.strip_prefix("conf ")?.split_whitespace();
        Some(SamplerConf {
            hz: w.next()?.parse().ok()?,
            page_bytes: w.next()?.parse().ok()?,
        })
    }
}

/// One snapshot of a node's `/proc`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub wall_ns: i128,
    /// `/proc/stat`'s first line: user nice system idle iowait irq softirq steal.
    pub cpu: Vec<u64>,
    pub mem_total_kb: u64,
    pub mem_available_kb: u64,
    /// Per device: sectors read, sectors written.
    pub disks: BTreeMap<String, (u64, u64)>,
    /// Per interface: rx bytes, rx packets, tx bytes, tx packets.
    pub nets: BTreeMap<String, [u64; 4]>,
    /// The DB process: utime + stime (ticks), rss (pages).
    pub process: Option<(u64, u64)>,
}

mod parse;
pub use parse::{parse_snapshot, values};

#[cfg(test)]
mod tests;

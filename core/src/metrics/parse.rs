//! Reading a snapshot's lines, and values from two snapshots.

use super::{SamplerConf, Snapshot, SNAPSHOT_START};

fn nums(fields: &[&str]) -> Vec<u64> {
    fields.iter().map(|f| f.parse().unwrap_or(0)).collect()
}

/// A snapshot from its lines (`@ ns` first, without the closing `.`); an
/// error names the line that could not be read.
pub fn parse_snapshot(lines: &[String]) -> Result<Snapshot, String> {
    let mut s = Snapshot::default();
    let first = lines.first().ok_or("an empty snapshot")?;
    s.wall_ns = first
        .strip_prefix(SNAPSHOT_START)
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| format!("a snapshot must start with `@ <ns>`, not {first:?}"))?;
    for line in &lines[1..] {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["cpu", rest @ ..] => s.cpu = nums(rest),
            ["MemTotal:", kb, ..] => s.mem_total_kb = kb.parse().unwrap_or(0),
            ["MemAvailable:", kb, ..] => s.mem_available_kb = kb.parse().unwrap_or(0),
            ["disk", _, _, dev, rest @ ..] if rest.len() >= 7 => {
                let n = nums(rest);
                s.disks.insert(dev.to_string(), (n[2], n[6]));
            }
            ["net", rest @ ..] => {
                // `eth0: 123 ...` or `eth0:123 ...`: the name ends at the colon.
                let joined = rest.join(" ");
                let (name, counters) = joined
                    .split_once(':')
                    .ok_or_else(|| format!("bad net line {line:?}"))?;
                let n = nums(&counters.split_whitespace().collect::<Vec<_>>());
                if n.len() >= 10 {
                    s.nets
                        .insert(name.trim().to_string(), [n[0], n[1], n[8], n[9]]);
                }
            }
            ["proc", ..] => s.process = proc_stat(line),
            _ => {}
        }
    }
    Ok(s)
}

/// utime + stime and rss from `/proc/PID/stat` (fields 14, 15 and 24; the
/// command name in parentheses may hold spaces, so count from its `)`).
fn proc_stat(line: &str) -> Option<(u64, u64)> {
    let after = &line[line.rfind(')')? + 1..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // `after` starts at field 3 (state).
    let get = |n: usize| f.get(n - 3)?.parse::<u64>().ok();
    Some((get(14)? + get(15)?, get(24)?))
}

fn is_virtual_disk(dev: &str) -> bool {
    dev.starts_with("loop") || dev.starts_with("ram") || dev.starts_with("zram")
}

/// The metric values between `prev` and `cur`: CPU shares of the node (0..1)
/// and of one core for the DB, counts per interval for disks and interfaces,
/// memory as of `cur`. Counters that went backwards (a reboot) give nothing.
pub fn values(prev: &Snapshot, cur: &Snapshot, conf: SamplerConf) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let d = |a: u64, b: u64| b.checked_sub(a);
    if prev.cpu.len() >= 5 && cur.cpu.len() >= 5 {
        let total: u64 = cur
            .cpu
            .iter()
            .sum::<u64>()
            .saturating_sub(prev.cpu.iter().sum());
        if total > 0 {
            let share = |idx: &[usize]| {
                let v: u64 = idx.iter().filter_map(|&i| d(prev.cpu[i], cur.cpu[i])).sum();
                v as f64 / total as f64
            };
            out.push(("cpu_user".into(), share(&[0, 1])));
            out.push(("cpu_system".into(), share(&[2])));
            out.push(("cpu_iowait".into(), share(&[4])));
        }
    }
    let used = cur.mem_total_kb.saturating_sub(cur.mem_available_kb) * 1024;
    out.push(("mem_used_bytes".into(), used as f64));
    out.push((
        "mem_available_bytes".into(),
        (cur.mem_available_kb * 1024) as f64,
    ));
    for (dev, (r, w)) in cur.disks.iter().filter(|(d, _)| !is_virtual_disk(d)) {
        if let Some((pr, pw)) = prev.disks.get(dev) {
            if let (Some(dr), Some(dw)) = (d(*pr, *r), d(*pw, *w)) {
                out.push((format!("disk_{dev}_read_bytes"), (dr * 512) as f64));
                out.push((format!("disk_{dev}_write_bytes"), (dw * 512) as f64));
            }
        }
    }
    let names = ["rx_bytes", "rx_packets", "tx_bytes", "tx_packets"];
    for (iface, c) in &cur.nets {
        if let Some(p) = prev.nets.get(iface) {
            for (i, name) in names.iter().enumerate() {
                if let Some(v) = d(p[i], c[i]) {
                    out.push((format!("net_{iface}_{name}"), v as f64));
                }
            }
        }
    }
    if let (Some((pt, _)), Some((ct, rss))) = (prev.process, cur.process) {
        let secs = (cur.wall_ns - prev.wall_ns) as f64 / 1e9;
        if let Some(ticks) = d(pt, ct).filter(|_| secs > 0.0) {
            out.push(("db_cpu_cores".into(), ticks as f64 / conf.hz / secs));
        }
        out.push(("db_rss_bytes".into(), rss as f64 * conf.page_bytes));
    }
    out
}

//! `--node-memory 512M --node-cpus 0.5`: per-node limits as numbers, parsed once
//! here so that every provider and both commands (`cluster up`, `test`) agree.

use serde::{Deserialize, Serialize};

/// Memory and CPU a node may use; `None` leaves that resource unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeLimits {
    pub memory_bytes: Option<u64>,
    /// CPUs' worth of time per period (0.5: half of one CPU).
    pub cpus: Option<f64>,
}

impl NodeLimits {
    pub fn is_empty(&self) -> bool {
        self.memory_bytes.is_none() && self.cpus.is_none()
    }

    /// cgroup v1 settings (`key`, value) for these limits: CFS quota over a
    /// 100 ms period for CPUs.
    pub fn cgroup_v1(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(m) = self.memory_bytes {
            out.push(("memory.limit_in_bytes", m.to_string()));
        }
        if let Some(c) = self.cpus {
            out.push(("cpu.cfs_period_us", "100000".to_string()));
            out.push((
                "cpu.cfs_quota_us",
                ((c * 100_000.0).round() as u64).to_string(),
            ));
        }
        out
    }
}

/// `512M`, `2G`, `1048576`, `64K` (binary units) into bytes; at least 16 MiB.
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("bad memory size {s:?}: expected like 512M or 2G")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad memory size {s:?}: expected like 512M or 2G"))?;
    let bytes = (n * mult as f64) as u64;
    if !n.is_finite() || bytes < 16 << 20 {
        return Err(format!("bad memory size {s:?}: at least 16M"));
    }
    Ok(bytes)
}

/// `0.5`, `2` CPUs; more than 0.01.
pub fn parse_cpus(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(c) if c.is_finite() && c >= 0.01 => Ok(c),
        _ => Err(format!(
            "bad CPU count {s:?}: expected a number like 0.5 or 2"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_cpus() {
        let table = [
            ("512M", 512 << 20),
            ("2G", 2 << 30),
            ("65536k", 64 << 20),
            ("0.5G", 512 << 20),
        ];
        for (s, want) in table {
            assert_eq!(parse_memory(s), Ok(want), "{s}");
        }
        for bad in ["", "12", "5X", "M", "-1G"] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_cpus("0.5"), Ok(0.5));
        assert!(parse_cpus("0").is_err() && parse_cpus("x").is_err());
        let l = NodeLimits {
            memory_bytes: Some(512 << 20),
            cpus: Some(0.5),
        };
        assert_eq!(
            l.cgroup_v1(),
            [
                ("memory.limit_in_bytes", "536870912".to_string()),
                ("cpu.cfs_period_us", "100000".to_string()),
                ("cpu.cfs_quota_us", "50000".to_string()),
            ]
        );
    }
}

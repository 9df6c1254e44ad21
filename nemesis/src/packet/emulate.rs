//! Packet faults for kernels built without netem (`sch_netem`).
//!
//! Some kernels — small VM kernels among them — ship `tbf` and iptables but no
//! netem. Rather than give up on packet faults there, the ones that can be
//! emulated are: loss with the iptables `statistic` match (DROP), duplication
//! with the `TEE` target (a clone sent to the same peer), and a rate limit with a
//! `tbf` qdisc. Delay and reordering cannot be emulated and are reported as
//! errors naming the node. The iptables rules match only traffic to other nodes,
//! in chains of our own (`RJEPSEN-PKT` in `filter`/OUTPUT and
//! `mangle`/POSTROUTING), so the control node keeps its connection and healing
//! removes only what we added.

use super::Netem;
use rjepsen_core::control::shell_quote;
use std::net::Ipv4Addr;

/// Our chain, in both the `filter` and the `mangle` table.
pub const PACKET_CHAIN: &str = "RJEPSEN-PKT";

/// Shell that removes our packet chains from both tables, if present.
pub fn heal_chains_command() -> String {
    [("filter", "OUTPUT"), ("mangle", "POSTROUTING")]
        .iter()
        .map(|(table, hook)| {
            format!(
                "if iptables -w -t {table} -n -L {PACKET_CHAIN} >/dev/null 2>&1; then \
                 while iptables -w -t {table} -D {hook} -j {PACKET_CHAIN} 2>/dev/null; do :; done; \
                 iptables -w -t {table} -F {PACKET_CHAIN} && iptables -w -t {table} -X {PACKET_CHAIN}; fi"
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn chain_command(table: &str, hook: &str) -> String {
    format!(
        "{{ iptables -w -t {table} -N {PACKET_CHAIN} 2>/dev/null; \
         iptables -w -t {table} -C {hook} -j {PACKET_CHAIN} 2>/dev/null || \
         iptables -w -t {table} -I {hook} 1 -j {PACKET_CHAIN}; }}"
    )
}

/// Shell that emulates `netem` on `iface` towards `peers`, or why it cannot.
pub fn emulate_command(netem: &Netem, iface: &str, peers: &[Ipv4Addr]) -> Result<String, String> {
    let mut missing = Vec::new();
    if netem.delay_ms.is_some_and(|d| d > 0) {
        missing.push("delay");
    }
    debug_assert_eq!(
        !missing.is_empty() || netem.reorder_pct.is_some(),
        netem.needs_netem()
    );
    if netem.reorder_pct.is_some() {
        missing.push("reorder");
    }
    if !missing.is_empty() {
        return Err(format!(
            "{} cannot be emulated without netem (the kernel lacks sch_netem)",
            missing.join(" and ")
        ));
    }
    let mut steps = Vec::new();
    if let Some(p) = netem.loss_pct {
        steps.push(chain_command("filter", "OUTPUT"));
        for ip in peers {
            steps.push(format!(
                "iptables -w -A {PACKET_CHAIN} -d {ip} -m statistic --mode random --probability {} -j DROP",
                p / 100.0
            ));
        }
    }
    if let Some(p) = netem.duplicate_pct {
        steps.push(chain_command("mangle", "POSTROUTING"));
        for ip in peers {
            steps.push(format!(
                "iptables -w -t mangle -A {PACKET_CHAIN} -d {ip} -m statistic --mode random \
                 --probability {} -j TEE --gateway {ip}",
                p / 100.0
            ));
        }
    }
    if let Some(r) = netem.rate_kbit {
        steps.push(format!(
            "tc qdisc replace dev {} root tbf rate {r}kbit burst 32kbit latency 400ms",
            shell_quote(iface)
        ));
    }
    Ok(steps.join(" && "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emulates_loss_duplication_and_rate_but_not_delay() {
        let peers: Vec<Ipv4Addr> = vec!["10.0.0.2".parse().unwrap()];
        let loss = Netem::preset("loss").unwrap();
        let cmd = emulate_command(&loss, "eth0", &peers).unwrap();
        assert!(
            cmd.contains("-d 10.0.0.2 -m statistic --mode random --probability 0.2 -j DROP"),
            "{cmd}"
        );
        let dup = emulate_command(&Netem::preset("duplicate").unwrap(), "eth0", &peers).unwrap();
        assert!(
            dup.contains("-t mangle -A RJEPSEN-PKT -d 10.0.0.2")
                && dup.contains("TEE --gateway 10.0.0.2"),
            "{dup}"
        );
        let rate = emulate_command(&Netem::preset("rate").unwrap(), "eth0", &peers).unwrap();
        assert!(rate.contains("tbf rate 1000kbit"), "{rate}");
        for name in ["delay", "reorder"] {
            let err = emulate_command(&Netem::preset(name).unwrap(), "eth0", &peers).unwrap_err();
            assert!(err.contains(name) && err.contains("sch_netem"), "{err}");
        }
        let heal = heal_chains_command();
        assert!(
            heal.contains("-t filter -X RJEPSEN-PKT") && heal.contains("-t mangle -X RJEPSEN-PKT")
        );
    }
}

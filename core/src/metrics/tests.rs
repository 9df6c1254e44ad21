use super::*;

/// Two snapshots printed by the sampler on this machine (`sample.txt`).
fn snapshots() -> (SamplerConf, Vec<Snapshot>) {
    let text = include_str!("sample.txt");
    let mut lines = text.lines();
    let conf = SamplerConf::parse(lines.next().unwrap()).unwrap();
    let mut out = Vec::new();
    let mut block = Vec::new();
    for l in lines {
        if l == SNAPSHOT_END {
            out.push(parse_snapshot(&std::mem::take(&mut block)).unwrap());
        } else {
            block.push(l.to_string());
        }
    }
    (conf, out)
}

#[test]
fn reads_a_real_snapshot() {
    let (conf, s) = snapshots();
    assert_eq!(
        conf,
        SamplerConf {
            hz: 100.0,
            page_bytes: 4096.0
        }
    );
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].wall_ns, 1_796_169_150_022_540_119);
    assert_eq!(s[0].cpu[..5], [1895178, 317112, 411086, 354398, 26655]);
    assert_eq!(
        (s[0].mem_total_kb, s[0].mem_available_kb),
        (24683584, 23693872)
    );
    assert_eq!(s[0].disks["vda"], (105530474, 287477464));
    assert_eq!(s[0].nets["eth0"], [498837003, 22038, 1413693, 17236]);
    assert_eq!(s[0].process, Some((15 + 25, 1025)));
}

#[test]
fn values_between_two_snapshots() {
    let (conf, s) = snapshots();
    let v: BTreeMap<String, f64> = values(&s[0], &s[1], conf).into_iter().collect();
    // cpu: nice +195, system +6, steal +7 ticks.
    assert!((v["cpu_user"] - 195.0 / 208.0).abs() < 1e-9, "{v:?}");
    assert!((v["cpu_system"] - 6.0 / 208.0).abs() < 1e-9);
    assert_eq!(v["cpu_iowait"], 0.0);
    assert_eq!(v["mem_used_bytes"], ((24683584 - 23691660) * 1024) as f64);
    assert_eq!(v["disk_vda_read_bytes"], (232 * 512) as f64);
    assert_eq!(v["disk_vda_write_bytes"], (87744 * 512) as f64);
    assert!(
        !v.keys().any(|k| k.contains("loop")),
        "loop devices are skipped"
    );
    assert_eq!(v["net_eth0_rx_bytes"], 0.0);
    assert_eq!(v["db_rss_bytes"], 1025.0 * 4096.0);
    assert_eq!(v["db_cpu_cores"], 0.0);
}

#[test]
fn counters_that_go_backwards_give_nothing() {
    let (conf, s) = snapshots();
    let v: BTreeMap<String, f64> = values(&s[1], &s[0], conf).into_iter().collect();
    assert!(!v.contains_key("disk_vda_write_bytes"), "{v:?}");
    assert!(parse_snapshot(&["cpu 1 2".to_string()])
        .unwrap_err()
        .contains("@ <ns>"));
}

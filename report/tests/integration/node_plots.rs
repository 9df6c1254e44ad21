//! The node plots of a real run with metrics (export's fixture
//! `metrics-run`: 8 s of etcd register under partitions, metrics every 0.5 s).

use super::common::{count, temp_dir};
use std::path::Path;

#[test]
fn a_run_with_metrics_has_shaded_node_plots_and_one_without_has_none() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../export/tests/fixtures/metrics-run");
    let dir = temp_dir("metrics-run");
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let html = std::fs::read_to_string(rjepsen_report::write_report(&dir).unwrap()).unwrap();
    for id in ["node-cpu-plot", "node-memory-plot", "node-network-plot"] {
        let start = html
            .find(&format!("<svg id=\"{id}\""))
            .unwrap_or_else(|| panic!("no {id}"));
        let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
        // The run's two partitions shade every panel, as they shade latency.
        assert_eq!(
            count(svg, "class=\"nemesis-shade nemesis-partition\""),
            2,
            "{id}"
        );
        for node in ["x1", "x2", "x3"] {
            assert!(
                svg.contains(&format!(">\n{node}\n</text>")),
                "{id} has no line for {node}"
            );
        }
    }
    // Node plots come after the latency and throughput plots.
    assert!(html.find("node-cpu-plot").unwrap() > html.find("throughput-plot").unwrap());

    std::fs::remove_file(dir.join("metrics.jsonl")).unwrap();
    let html = std::fs::read_to_string(rjepsen_report::write_report(&dir).unwrap()).unwrap();
    assert!(!html.contains("node-cpu-plot"));

    std::fs::write(dir.join("metrics.jsonl"), "{\"time_ns\":1}\n").unwrap();
    let e = rjepsen_report::write_report(&dir).unwrap_err().to_string();
    assert!(e.contains("metrics.jsonl") && e.contains("line 1"), "{e}");
}

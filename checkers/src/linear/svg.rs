//! The failing window as an SVG: one lane per process, one bar per op from its
//! invocation to its completion, the op that could not be placed in red.
//!
//! Time is drawn as event order, not nanoseconds: what matters for
//! linearizability is which ops overlap, and equal spacing keeps short ops readable.

use std::fmt::Write;

/// How a bar is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BarKind {
    /// Part of the longest linearizable prefix found.
    Linearized,
    /// The op that could not be placed.
    Failing,
    /// Completed but not linearized at the failure.
    Pending,
    /// Outcome unknown: may take effect at any later time, or never.
    Crashed,
}

/// One op in the picture; `start`/`end` are positions in the history.
pub(crate) struct Bar {
    pub lane: String,
    pub start: usize,
    pub end: Option<usize>,
    pub label: String,
    pub kind: BarKind,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Splits text into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Renders bars into a standalone SVG document.
pub(crate) fn render(title: &str, bars: &[Bar]) -> String {
    let mut lanes: Vec<&str> = bars.iter().map(|b| b.lane.as_str()).collect();
    lanes.sort_by_key(|l| (l.parse::<u64>().unwrap_or(u64::MAX), l.to_string()));
    lanes.dedup();
    let mut points: Vec<usize> = bars
        .iter()
        .flat_map(|b| [Some(b.start), b.end])
        .flatten()
        .collect();
    points.sort_unstable();
    points.dedup();
    let step = 60.0;
    let x = |p: usize| 90.0 + step * points.partition_point(|&q| q < p) as f64;
    let right = x(usize::MAX) + step;
    let title_lines = wrap(title, ((right as usize).max(600) / 7).max(60));
    let top = 50.0 + 16.0 * title_lines.len() as f64;
    let lane_h = 34.0;
    let height = top + lane_h * lanes.len() as f64 + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{height:.0}" font-family="sans-serif" font-size="11">"#,
        right.max(600.0) + 20.0
    );
    for (i, line) in title_lines.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="10" y="{}" font-size="12">{}</text>"#,
            20 + 16 * i,
            esc(line)
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="10" y="{:.0}" fill="#555">green: linearized prefix; red: could not be placed; blue: not yet placed; dashed: outcome unknown</text>"##,
        top - 14.0
    );
    for (i, lane) in lanes.iter().enumerate() {
        let y = top + lane_h * i as f64;
        let _ = writeln!(
            s,
            r#"<text x="10" y="{:.0}">process {}</text>"#,
            y + 20.0,
            esc(lane)
        );
        let _ = writeln!(
            s,
            r##"<line x1="85" x2="{right:.0}" y1="{:.0}" y2="{:.0}" stroke="#eee"/>"##,
            y + 30.0,
            y + 30.0
        );
    }
    for b in bars {
        let lane = lanes.iter().position(|l| *l == b.lane).unwrap_or(0);
        let y = top + lane_h * lane as f64 + 4.0;
        let (x0, x1) = (x(b.start), b.end.map_or(right, x));
        let (fill, stroke, dash) = match b.kind {
            BarKind::Linearized => ("#cfe8cf", "#2e7d32", ""),
            BarKind::Failing => ("#f8c6c6", "#c62828", ""),
            BarKind::Pending => ("#d6e4f5", "#1565c0", ""),
            BarKind::Crashed => ("#eeeeee", "#777777", ""),
        };
        let dash = if b.end.is_none() {
            r#" stroke-dasharray="4 3""#
        } else {
            dash
        };
        let width = (x1 - x0).max(8.0);
        let sw = if b.kind == BarKind::Failing { 2.5 } else { 1.0 };
        let _ = writeln!(
            s,
            r#"<rect x="{x0:.0}" y="{y:.0}" width="{width:.0}" height="22" rx="3" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}><title>{}</title></rect>"#,
            esc(&b.label)
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.0}" y="{:.0}">{}</text>"#,
            x0 + 4.0,
            y + 15.0,
            esc(&b.label)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_lane_per_process_and_escapes() {
        let bars = vec![
            Bar {
                lane: "1".into(),
                start: 0,
                end: Some(3),
                label: "write 1".into(),
                kind: BarKind::Linearized,
            },
            Bar {
                lane: "2".into(),
                start: 1,
                end: Some(2),
                label: "read <2>".into(),
                kind: BarKind::Failing,
            },
            Bar {
                lane: "1".into(),
                start: 4,
                end: None,
                label: "cas".into(),
                kind: BarKind::Crashed,
            },
        ];
        let svg = render("key \"a\"", &bars);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(svg.matches(">process ").count(), 2);
        assert!(svg.contains("read &lt;2&gt;"));
        assert!(svg.contains("#c62828"));
        assert!(svg.contains("stroke-dasharray"));
    }
}

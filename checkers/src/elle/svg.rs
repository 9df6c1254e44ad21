//! An SVG drawing of one cycle: transactions on a circle, each edge a curved arrow
//! labelled with its kind, and each transaction's micro-ops listed underneath.
//!
//! Hand-written SVG rather than a graph-layout dependency: a cycle is a ring, so
//! placing nodes evenly on a circle is already the clearest layout.

use super::cycles::Cycle;
use super::explain::kind_name;
use super::txn::Txns;
use std::fmt::Write;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The SVG document for `cycle`, titled with its anomaly name.
pub(crate) fn render(txns: &Txns, name: &str, cycle: &Cycle) -> String {
    let n = cycle.nodes.len();
    let (w, r, cx, cy) = (720.0f64, 150.0f64, 360.0f64, 200.0f64);
    let lines = n as f64 * 18.0;
    let h = 400.0 + lines + 20.0;
    let pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n as f64;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="monospace" font-size="13">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>
<text x="10" y="20" font-size="16" font-weight="bold">{}</text>
"##,
        escape(name)
    );
    for i in 0..n {
        let (a, b) = (pos[i], pos[(i + 1) % n]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let (x1, y1, x2, y2) = (
            a.0 + ux * 28.0,
            a.1 + uy * 28.0,
            b.0 - ux * 28.0,
            b.1 - uy * 28.0,
        );
        let kind = kind_name(cycle.kinds[i]);
        let color = match kind {
            "rw" => "#c0392b",
            "wr" => "#2471a3",
            "ww" => "#1e8449",
            _ => "#7d3c98",
        };
        // Bend each arrow to its left, so that a -> b and b -> a stay apart.
        let (cx, cy) = ((x1 + x2) / 2.0 + uy * 40.0, (y1 + y2) / 2.0 - ux * 40.0);
        let (lx, ly) = (
            0.25 * (x1 + x2) + 0.5 * cx + uy * 12.0,
            0.25 * (y1 + y2) + 0.5 * cy - ux * 12.0,
        );
        let _ = writeln!(
            s,
            r##"<path d="M {x1:.1} {y1:.1} Q {cx:.1} {cy:.1} {x2:.1} {y2:.1}" fill="none" stroke="{color}" stroke-width="2" marker-end="url(#arrow)"/>
<text x="{lx:.1}" y="{ly:.1}" fill="{color}" text-anchor="middle">{kind}</text>"##
        );
    }
    for (i, &t) in cycle.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        let _ = writeln!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="26" fill="#fdfefe" stroke="#333"/>
<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            y + 4.0,
            escape(&txns.name(t))
        );
    }
    for (i, &t) in cycle.nodes.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="10" y="{:.1}">{}: {}</text>"##,
            400.0 + i as f64 * 18.0,
            escape(&txns.name(t)),
            escape(&txns.render(t))
        );
    }
    s.push_str("</svg>\n");
    s
}

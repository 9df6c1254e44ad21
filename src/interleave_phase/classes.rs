//! Classes of candidate pairs: thousands of pairs from a short observe phase
//! are mostly one conflict seen between different requests, so the phase
//! tries one seeded member of each class before a second of any.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rjepsen_db::shop::interleave::source::path_pattern;
use rjepsen_interleave::pairs::{url_path, CandidatePair, StepRef};
use std::collections::BTreeMap;

/// A step as its class sees it: service, method, path pattern, SQL shape.
fn step_key(s: &StepRef) -> String {
    let sql: Vec<String> = s
        .sqls
        .iter()
        .map(|q| {
            q.split_whitespace()
                .map(|t| {
                    if t.bytes().any(|b| b.is_ascii_digit()) {
                        "?"
                    } else {
                        t
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    format!(
        "{} {} {} [{}]",
        s.service,
        s.http_method,
        path_pattern(&s.path()),
        sql.join("; ")
    )
}

/// A pair's class: both sides' root request and step, in a fixed order.
pub fn class_key(p: &CandidatePair) -> String {
    let side = |root: &rjepsen_interleave::pairs::Root, step: &StepRef| {
        format!(
            "{} {} {} -> {}",
            root.service,
            root.method,
            path_pattern(&url_path(&root.url)),
            step_key(step)
        )
    };
    let mut both = [side(&p.roots.a, &p.a), side(&p.roots.b, &p.b)];
    both.sort();
    both.join(" | ")
}

/// The pairs' indices in the order they are tried, with each one's class
/// number, and the class names: classes in a seeded order, round by round
/// one seeded member of each.
pub fn order(pairs: &[CandidatePair], seed: u64) -> (Vec<(usize, usize)>, Vec<String>) {
    let mut classes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in pairs.iter().enumerate() {
        classes.entry(class_key(p)).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut named: Vec<(String, Vec<usize>)> = classes.into_iter().collect();
    named.shuffle(&mut rng);
    for (_, members) in &mut named {
        members.shuffle(&mut rng);
    }
    let longest = named.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    for round in 0..longest {
        for (c, (_, members)) in named.iter().enumerate() {
            if let Some(&i) = members.get(round) {
                out.push((i, c));
            }
        }
    }
    (out, named.into_iter().map(|(k, _)| k).collect())
}

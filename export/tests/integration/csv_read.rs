//! A CSV reader for the tests (RFC 4180 quoting), written apart from the
//! crate's writer so that a quoting bug there is not mirrored here.

use std::collections::HashMap;
use std::path::Path;

pub type Row = HashMap<String, String>;

fn records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let (mut rec, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => rec.push(std::mem::take(&mut field)),
            ('\n', false) => {
                rec.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut rec));
            }
            (c, _) => field.push(c),
        }
    }
    out
}

/// The rows of a CSV file as maps from its header's names.
pub fn read(path: &Path) -> (Vec<String>, Vec<Row>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut recs = records(&text).into_iter();
    let header = recs.next().expect("a header");
    let rows = recs
        .map(|r| {
            assert_eq!(r.len(), header.len(), "{}: {r:?}", path.display());
            header.iter().cloned().zip(r).collect()
        })
        .collect();
    (header, rows)
}

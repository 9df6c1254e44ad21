//! The matrix of a campaign: named tests, each a set of `rjepsen test` options
//! with its seeds, from flags (`--workloads a,b --nemeses none,partition --dbs
//! etcd --seeds 1,2`) or from a TOML file (`--matrix nightly.toml`).
//!
//! A cell becomes `rjepsen test` arguments: the campaign's base options (the
//! record's rerun arguments, so every option is spelled out), then the cell's,
//! then its name and seed. Later options win (the CLI parses with
//! `args_override_self`), and every cell is parsed by the real clap parser
//! before anything runs, so a typo in the file is an error naming the test, not
//! a crash in the middle of the night.
//!
//! The file:
//!
//! ```toml
//! [defaults]            # options for every test
//! time-limit = 5
//! [matrix]              # optional: one test per combination
//! workloads = ["register", "set"]
//! nemeses = ["none", "partition"]
//! seeds = [1, 2]
//! [[test]]              # optional: named tests
//! name = "append-kill"
//! workload = "list-append"
//! nemesis = "kill"
//! seeds = [7]
//! ```

use crate::config::{comma_list, BadArgs};
use std::path::Path;
use toml::{Table, Value};

/// One test of the matrix (each seed of a test that lists seeds is one cell).
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub name: String,
    /// The listed seed, or None (the campaign's seed).
    pub seed: Option<u64>,
    /// Options for `rjepsen test`, after the base options.
    pub args: Vec<String>,
}

/// Flags of a matrix (each empty list means "the base option").
#[derive(Debug, Default)]
pub struct FlagMatrix<'a> {
    pub workloads: &'a str,
    pub nemeses: &'a str,
    pub dbs: &'a str,
    pub seeds: &'a str,
}

/// The matrix named by flags: every db × workload × nemesis × seed.
pub fn from_flags(
    f: &FlagMatrix,
    base_db: &str,
    base_workload: &str,
) -> Result<Vec<Cell>, BadArgs> {
    let or = |list: Vec<String>, d: &str| {
        if list.is_empty() {
            vec![d.to_string()]
        } else {
            list
        }
    };
    let dbs = or(comma_list(f.dbs), base_db);
    let workloads = or(comma_list(f.workloads), base_workload);
    let nemeses = or(comma_list(f.nemeses), "none");
    let seeds = parse_seeds(f.seeds)?;
    let mut cells = Vec::new();
    for db in &dbs {
        for w in &workloads {
            for n in &nemeses {
                let name = format!("{db}-{w}-{}", n.replace(',', "+"));
                let args = vec![
                    "--db".into(),
                    db.clone(),
                    "--workload".into(),
                    w.clone(),
                    format!("--nemesis={}", nemesis_arg(n)),
                ];
                push_seeds(&mut cells, &name, &seeds, args);
            }
        }
    }
    Ok(cells)
}

/// `none` means no nemesis; `+` may join packages inside a list of nemeses.
fn nemesis_arg(n: &str) -> String {
    if n == "none" {
        String::new()
    } else {
        n.replace('+', ",")
    }
}

fn parse_seeds(s: &str) -> Result<Vec<u64>, BadArgs> {
    comma_list(s)
        .iter()
        .map(|x| {
            x.parse()
                .map_err(|_| BadArgs(format!("bad --seeds {s:?}: expected numbers like 1,2")))
        })
        .collect()
}

fn push_seeds(cells: &mut Vec<Cell>, name: &str, seeds: &[u64], args: Vec<String>) {
    if seeds.is_empty() {
        cells.push(Cell {
            name: name.into(),
            seed: None,
            args: args.clone(),
        });
    }
    for s in seeds {
        cells.push(Cell {
            name: name.into(),
            seed: Some(*s),
            args: args.clone(),
        });
    }
}

/// The matrix of a TOML file.
pub fn from_file(path: &Path) -> Result<Vec<Cell>, BadArgs> {
    let bad = |why: String| BadArgs(format!("{}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("failed to read: {e}")))?;
    let doc: Table = text.parse().map_err(|e| bad(format!("{e}")))?;
    for key in doc.keys() {
        if !["defaults", "matrix", "test"].contains(&key.as_str()) {
            return Err(bad(format!(
                "unknown section {key:?} (expected defaults, matrix, test)"
            )));
        }
    }
    let table = |key: &str| match doc.get(key) {
        None => Ok(Table::new()),
        Some(Value::Table(t)) => Ok(t.clone()),
        Some(_) => Err(bad(format!("{key} must be a table"))),
    };
    let defaults = options(&table("defaults")?).map_err(|e| bad(format!("[defaults]: {e}")))?;
    let mut cells = Vec::new();
    let matrix = table("matrix")?;
    if !matrix.is_empty() {
        let list = |k: &str| strings(matrix.get(k)).map_err(|e| bad(format!("[matrix] {k}: {e}")));
        let flags = FlagMatrix {
            workloads: &list("workloads")?.join(","),
            nemeses: &list("nemeses")?.join(","),
            dbs: &list("dbs")?.join(","),
            seeds: &list("seeds")?.join(","),
        };
        cells.extend(from_flags(&flags, "etcd", "register")?);
    }
    let tests = match doc.get("test") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(bad("test must be an array of tables ([[test]])".into())),
    };
    for (i, t) in tests.iter().enumerate() {
        let Value::Table(t) = t else {
            return Err(bad(format!("test {} is not a table", i + 1)));
        };
        let name = match t.get("name") {
            Some(Value::String(n)) if !n.is_empty() => n.clone(),
            _ => return Err(bad(format!("test {} has no name", i + 1))),
        };
        let mut rest = t.clone();
        rest.remove("name");
        let seeds = strings(rest.remove("seeds").as_ref())
            .and_then(|s| parse_seeds(&s.join(",")).map_err(|e| e.0))
            .map_err(|e| bad(format!("test {name:?}: seeds: {e}")))?;
        let args = options(&rest).map_err(|e| bad(format!("test {name:?}: {e}")))?;
        push_seeds(&mut cells, &name, &seeds, args);
    }
    if cells.is_empty() {
        return Err(bad("no tests: give [matrix] or [[test]] entries".into()));
    }
    for c in &mut cells {
        let mut args = defaults.clone();
        args.append(&mut c.args);
        c.args = args;
    }
    Ok(cells)
}

/// A table of `test` options as arguments: `true` is a flag, `false` leaves it
/// out, a list is a comma list.
fn options(t: &Table) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    for (k, v) in t {
        let value = match v {
            Value::Boolean(true) => {
                args.push(format!("--{k}"));
                continue;
            }
            Value::Boolean(false) => continue,
            Value::String(s) => s.clone(),
            Value::Integer(n) => n.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Array(_) => strings(Some(v))?.join(","),
            other => return Err(format!("{k}: unsupported value {other}")),
        };
        args.push(format!("--{k}={value}"));
    }
    Ok(args)
}

/// A list (or one value) of strings or numbers, as strings.
fn strings(v: Option<&Value>) -> Result<Vec<String>, String> {
    let one = |x: &Value| match x {
        Value::String(s) => Ok(s.clone()),
        Value::Integer(n) => Ok(n.to_string()),
        other => Err(format!("expected strings or numbers, found {other}")),
    };
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(one).collect(),
        Some(x) => Ok(vec![one(x)?]),
    }
}

/// Which cells shard `k` of `n` (1-based, `K/N`) runs: every n-th from k.
pub fn shard(
    cells: Vec<Cell>,
    spec: Option<&str>,
) -> Result<(Vec<Cell>, Option<[u32; 2]>), BadArgs> {
    let Some(spec) = spec else {
        return Ok((cells, None));
    };
    let bad = || {
        BadArgs(format!(
            "bad --shard {spec:?}: expected K/N with 1 <= K <= N, like 2/4"
        ))
    };
    let (k, n) = spec.split_once('/').ok_or_else(bad)?;
    let (k, n): (u32, u32) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    let mine = cells
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i as u32 % n == k - 1)
        .map(|(_, c)| c)
        .collect();
    Ok((mine, Some([k, n])))
}

#[cfg(test)]
mod tests;

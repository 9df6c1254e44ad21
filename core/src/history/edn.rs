//! Jepsen's `history.edn`, read into the same [`Op`]s as our JSON Lines.
//!
//! A small hand-written EDN reader rather than a crate: Jepsen writes a narrow
//! subset (maps of keywords, numbers, strings, `nil`, vectors, sets, the odd tagged
//! literal) and we want errors that name the file and line. EDN values become JSON
//! values the way Jepsen's own JSON export does it: keywords lose their colon
//! (`:ok` is `"ok"`, `:nemesis` is `"nemesis"`), vectors, lists and sets become
//! arrays, map keys become strings, tagged literals (`#inst "..."`) become the
//! tagged value, and a record (`#jepsen.history.Op{...}`) becomes its map. The file
//! may hold one map per line or a single vector of maps.

use super::ReadError;
use crate::op::Op;
use serde_json::{Map, Number, Value};
use std::path::Path;

/// Reads a Jepsen `history.edn` file into ops.
pub fn read_edn(path: &Path) -> Result<Vec<Op>, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parsed = match parse_history(&text) {
        // A torn final line (the writer died mid-op): check what came before.
        Err((line, _)) if super::torn::torn_edn_line(&text, line).is_some() => {
            let t = super::torn::torn_edn_line(&text, line).expect("torn");
            super::torn::warn(path, t);
            parse_history(&text[..t.offset as usize])
        }
        other => other,
    };
    parsed.map_err(|(line, message)| ReadError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    })
}

/// Parses EDN text into ops; errors carry the 1-based line.
pub fn parse_history(text: &str) -> Result<Vec<Op>, (usize, String)> {
    let mut r = Reader {
        s: text.as_bytes(),
        i: 0,
        line: 1,
    };
    let mut ops = Vec::new();
    loop {
        r.skip_ws();
        if r.i >= r.s.len() {
            break;
        }
        let line = r.line;
        let form = r.value()?;
        match form {
            Value::Array(items) => {
                for item in items {
                    push_op(&mut ops, item, line)?;
                }
            }
            other => push_op(&mut ops, other, line)?,
        }
    }
    Ok(ops)
}

fn push_op(ops: &mut Vec<Op>, v: Value, line: usize) -> Result<(), (usize, String)> {
    let has_index = v.get("index").is_some();
    if !v.is_object() {
        return Err((line, format!("expected an op map, found {v}")));
    }
    let mut op: Op = serde_json::from_value(v).map_err(|e| (line, e.to_string()))?;
    if !has_index {
        op.index = ops.len() as u64;
    }
    ops.push(op);
    Ok(())
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
}

fn is_delim(b: u8) -> bool {
    b.is_ascii_whitespace() || b",()[]{}\";".contains(&b)
}

impl Reader<'_> {
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, (usize, String)> {
        Err((self.line, msg.into()))
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.s.get(self.i) {
            match b {
                b'\n' => self.line += 1,
                b';' => {
                    while self.s.get(self.i).is_some_and(|&c| c != b'\n') {
                        self.i += 1;
                    }
                    continue;
                }
                b',' => {}
                _ if b.is_ascii_whitespace() => {}
                _ => return,
            }
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Value, (usize, String)> {
        self.skip_ws();
        let Some(&b) = self.s.get(self.i) else {
            return self.err("unexpected end of input");
        };
        match b {
            b'{' => {
                self.i += 1;
                self.map()
            }
            b'[' | b'(' => {
                self.i += 1;
                self.seq(if b == b'[' { b']' } else { b')' })
                    .map(Value::Array)
            }
            b'"' => self.string().map(Value::String),
            b'#' => self.dispatch(),
            b'\\' => {
                self.i += 1;
                let t = self.token();
                Ok(Value::String(t))
            }
            b']' | b')' | b'}' => self.err(format!("unexpected '{}'", b as char)),
            _ => {
                let t = self.token();
                Ok(atom(&t))
            }
        }
    }

    fn dispatch(&mut self) -> Result<Value, (usize, String)> {
        self.i += 1;
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                self.seq(b'}').map(Value::Array)
            }
            Some(b'_') => {
                self.i += 1;
                self.value()?;
                self.value()
            }
            _ => {
                // A tag (`#inst`, `#jepsen.history.Op`): keep the tagged value.
                let tag = self.token();
                if tag.is_empty() {
                    return self.err("failed to read a tag after '#'");
                }
                self.value()
            }
        }
    }

    fn seq(&mut self, close: u8) -> Result<Vec<Value>, (usize, String)> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            match self.s.get(self.i) {
                None => {
                    return self.err(format!("missing '{}' before end of input", close as char))
                }
                Some(&b) if b == close => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(_) => out.push(self.value()?),
            }
        }
    }

    fn map(&mut self) -> Result<Value, (usize, String)> {
        let items = self.seq(b'}')?;
        if items.len() % 2 != 0 {
            return self.err("a map needs an even number of forms");
        }
        let mut m = Map::new();
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            let key = match k {
                Value::String(s) => s,
                other => other.to_string(),
            };
            m.insert(key, v);
        }
        Ok(Value::Object(m))
    }

    fn string(&mut self) -> Result<String, (usize, String)> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return self.err("unterminated string");
            };
            self.i += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.s.get(self.i).copied().unwrap_or(b'\\');
                    self.i += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        other => other,
                    });
                }
                b'\n' => {
                    self.line += 1;
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
        String::from_utf8(out).or_else(|_| self.err("string is not UTF-8"))
    }

    fn token(&mut self) -> String {
        let start = self.i;
        while self.s.get(self.i).is_some_and(|&b| !is_delim(b)) {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
}

/// A symbol-like token: nil, booleans, numbers, keywords, symbols.
fn atom(t: &str) -> Value {
    match t {
        "nil" => return Value::Null,
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if let Some(k) = t.strip_prefix(':') {
        return Value::String(k.to_string());
    }
    let num = t.trim_end_matches(['N', 'M']);
    if let Ok(i) = num.parse::<i64>() {
        return Value::Number(i.into());
    }
    if let Ok(u) = num.parse::<u64>() {
        return Value::Number(u.into());
    }
    if let Some(n) = num.parse::<f64>().ok().and_then(Number::from_f64) {
        return Value::Number(n);
    }
    Value::String(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::{OpType, Process};
    use serde_json::json;

    #[test]
    fn reads_jepsen_ops_one_per_line() {
        let text = r#"{:type :invoke, :f :cas, :value [3 [1 2]], :process 0, :time 1200, :index 0}
{:type :ok, :f :read, :value [3 nil], :process 1, :time 98000, :index 1}
{:type :info, :f :start-partition, :value {"n1" #{"n3" "n4"}}, :process :nemesis, :index 2}
; a comment
{:type :fail, :f :write, :value 4, :process 2, :error [:timeout "slow \"x\""], :index 3}"#;
        let ops = parse_history(text).unwrap();
        assert_eq!(ops.len(), 4);
        assert_eq!(ops[0].kind, OpType::Invoke);
        assert_eq!(ops[0].f, "cas");
        assert_eq!(ops[0].value, json!([3, [1, 2]]));
        assert_eq!(ops[1].value, json!([3, null]));
        assert_eq!(ops[2].process, Process::Nemesis);
        assert_eq!(ops[2].value, json!({"n1": ["n3", "n4"]}));
        assert_eq!(ops[3].error, Some(json!(["timeout", "slow \"x\""])));
    }

    #[test]
    fn reads_a_vector_of_records_and_tags() {
        let text = "[#jepsen.history.Op{:index 5 :time 10 :type :ok :process 3 :f :read :value 2N}\n {:type :invoke :process 4 :f :write :value 1.5 :ts #inst \"2020-01-01\"}]";
        let ops = parse_history(text).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].index, 5);
        assert_eq!(ops[0].value, json!(2));
        assert_eq!(ops[1].index, 1);
        assert_eq!(ops[1].value, json!(1.5));
        assert_eq!(ops[1].extra.get("ts"), Some(&json!("2020-01-01")));
    }

    #[test]
    fn ops_without_f_or_process_are_read_as_elle_does() {
        let ops = parse_history("[{:type :ok, :value [[:r :x] [:append :y 1]]}]").unwrap();
        assert_eq!(ops[0].f, "");
        assert_eq!(ops[0].process, Process::Client(crate::op::NO_PROCESS));
        assert_eq!(ops[0].value, json!([["r", "x"], ["append", "y", 1]]));
    }

    #[test]
    fn a_torn_last_line_is_dropped_with_a_warning_elsewhere_an_error() {
        let dir = std::env::temp_dir().join(format!("rjepsen-edn-torn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("history.edn");
        std::fs::write(
            &path,
            "{:type :ok :process 1 :f :read :value 1}\n{:type :ok :pro",
        )
        .unwrap();
        assert_eq!(read_edn(&path).unwrap().len(), 1);
        std::fs::write(
            &path,
            "{:type :ok :pro\n{:type :ok :process 1 :f :read :value 1}",
        )
        .unwrap();
        let err = read_edn(&path).unwrap_err().to_string();
        assert!(err.contains("line 2") || err.contains("line 1"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_name_the_line() {
        let table = [
            (
                "{:type :ok :process 1 :f :read}\n{:type :ok :process 1 :f",
                2,
            ),
            (
                "{:type :ok :process 1 :f :read}\n\n{:process 1 :f :read}",
                3,
            ),
            ("{:type :ok :process 1 :f :read}\n[1 2]", 2),
            ("{:type :ok :process 1 :f :read :value \"x}", 1),
        ];
        for (text, line) in table {
            let (got, msg) = parse_history(text).unwrap_err();
            assert_eq!(got, line, "{text}: {msg}");
        }
    }

    #[test]
    fn read_edn_names_the_file() {
        let dir = std::env::temp_dir().join(format!("rjepsen-edn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("history.edn");
        std::fs::write(
            &path,
            "{:type :ok :process 1 :f :read :value 1}\n{:type :bogus :process 1 :f :x}\n",
        )
        .unwrap();
        let err = read_edn(&path).unwrap_err().to_string();
        assert!(
            err.contains("history.edn") && err.contains("line 2"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

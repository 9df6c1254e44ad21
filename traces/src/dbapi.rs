//! Python DB-API conventions in OTLP spans, as the official
//! `opentelemetry-instrumentation-dbapi` (psycopg2, mysqlclient, ...) writes them.
//!
//! Those instrumentations record the statement as the program wrote it, with
//! the `format` paramstyle's `%s` placeholders, and with `capture_parameters`
//! the bound values as one attribute, `db.statement.parameters`, holding
//! Python's `repr` of the argument tuple (`('i1', 3)`). The analyzer's SQL layer
//! speaks `?` placeholders and a list of values, so this module translates: `%s`
//! becomes `?` (and `%%` a literal `%`), and the tuple's literals become the
//! values, strings without their quotes (as MicroRacer's SkyWalking values are).

/// The statement with `format`-style placeholders as `?`; `None` if it has none
/// (so statements of other instrumentations pass untouched).
pub fn placeholders(statement: &str) -> Option<String> {
    if !statement.contains("%s") {
        return None;
    }
    let mut out = String::with_capacity(statement.len());
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('%', Some('s')) => {
                chars.next();
                out.push('?');
            }
            ('%', Some('%')) => {
                chars.next();
                out.push('%');
            }
            (c, _) => out.push(c),
        }
    }
    Some(out)
}

/// The values of a Python tuple or list `repr`, in order; `None` if the text is
/// not one (a dict of `pyformat` parameters, or something unreadable).
pub fn parameters(repr: &str) -> Option<Vec<String>> {
    let s = repr.trim();
    let inner = s
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| s.strip_prefix('[').and_then(|r| r.strip_suffix(']')))?;
    let mut values = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let (value, after) = literal(rest)?;
        values.push(value);
        rest = after.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None if rest.is_empty() => {}
            None => return None,
        }
    }
    Some(values)
}

/// One literal at the start of `s`: a quoted string (with its escapes undone) or
/// a bare token (number, `None`, `True`, ...) up to the next comma.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s
        .strip_prefix(['b', 'r'])
        .filter(|r| r.starts_with(['\'', '"']))
        .unwrap_or(s);
    let quote = s.chars().next()?;
    if quote != '\'' && quote != '"' {
        let end = s.find(',').unwrap_or(s.len());
        let token = s[..end].trim();
        return (!token.is_empty()).then(|| (token.to_string(), &s[end..]));
    }
    let mut out = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                other => out.push(other),
            },
            c if c == quote => return Some((out, &s[i + 2..])),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_placeholders_become_question_marks() {
        let cases = [
            (
                "SELECT q FROM t WHERE id = %s",
                Some("SELECT q FROM t WHERE id = ?"),
            ),
            (
                "UPDATE t SET a = %s WHERE b LIKE 'x%%'",
                Some("UPDATE t SET a = ? WHERE b LIKE 'x%'"),
            ),
            ("SELECT 1 FROM t WHERE id = ?", None),
            ("SELECT pg_advisory_xact_lock(1212)", None),
        ];
        for (text, want) in cases {
            assert_eq!(placeholders(text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn python_tuples_become_values() {
        let v = |xs: &[&str]| Some(xs.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let cases = [
            ("('i1',)", v(&["i1"])),
            ("(3, 'i1', 3)", v(&["3", "i1", "3"])),
            ("('paid', 'o-7', 'open')", v(&["paid", "o-7", "open"])),
            ("(\"it's\", None, True)", v(&["it's", "None", "True"])),
            ("('a\\'b', 'c,d')", v(&["a'b", "c,d"])),
            ("['x', 2]", v(&["x", "2"])),
            ("()", v(&[])),
            ("{'id': 1}", None),
            ("('unterminated", None),
            ("('a' 'b')", None),
        ];
        for (repr, want) in cases {
            assert_eq!(parameters(repr), want, "{repr}");
        }
    }
}

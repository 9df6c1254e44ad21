//! Small HTML helpers shared by the report page and the served index.

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a relative path for use in an `href`: each segment percent-encoded
/// except for unreserved characters, `/` kept between segments.
pub(crate) fn href(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The CSS class and the words for a verdict.
pub(crate) fn verdict_class(verdict: &str) -> &'static str {
    match verdict {
        "valid" => "valid",
        "invalid" => "invalid",
        "unknown" => "unknown",
        _ => "unchecked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_paths() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(href("nodes/n 1/etcd.log"), "nodes/n%201/etcd.log");
        assert_eq!(href("a?b#c"), "a%3Fb%23c");
    }
}

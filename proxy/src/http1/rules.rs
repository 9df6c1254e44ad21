//! What an HTTP-mode proxy does with a request: rules that match a request by
//! method, path pattern and trace id, and either hold it or answer it.
//!
//! Rules are checked in the order they were added; the first match acts. A held
//! request waits until its rule is released (removed) or the hold times out, and
//! is then forwarded: holding delays, it never drops. Answering replaces the
//! upstream's response with the rule's and keeps the connection.

use serde::Serialize;
use std::time::Duration;

/// Which requests a rule applies to; an empty field matches anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Match {
    /// The method, compared case-insensitively.
    pub method: Option<String>,
    /// A path pattern: `*` matches any run of characters (also `/`), the rest is
    /// literal; the query string is not part of the path.
    pub path: Option<String>,
    /// The trace id of the request's `traceparent` (32 lowercase hex).
    pub trace_id: Option<String>,
}

impl Match {
    pub fn any() -> Match {
        Match::default()
    }

    pub fn method(mut self, m: &str) -> Match {
        self.method = Some(m.to_string());
        self
    }

    pub fn path(mut self, pattern: &str) -> Match {
        self.path = Some(pattern.to_string());
        self
    }

    pub fn trace_id(mut self, id: &str) -> Match {
        self.trace_id = Some(id.to_ascii_lowercase());
        self
    }

    /// Whether a request with this method, target and trace id matches.
    pub fn matches(&self, method: &str, target: &str, trace_id: Option<&str>) -> bool {
        let path = target.split('?').next().unwrap_or("");
        unset_or(self.method.as_ref(), |m| m.eq_ignore_ascii_case(method))
            && unset_or(self.path.as_ref(), |p| glob(p, path))
            && unset_or(self.trace_id.as_ref(), |t| Some(t.as_str()) == trace_id)
    }
}

/// An unset field matches anything (`Option::is_none_or` needs Rust 1.82).
fn unset_or<T>(field: Option<T>, f: impl FnOnce(T) -> bool) -> bool {
    match field {
        None => true,
        Some(x) => f(x),
    }
}

/// `*` matches any run of bytes; everything else literally.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), s.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// What a matching request gets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Hold the request before forwarding it, until the rule is released or
    /// `timeout` passes (then it is forwarded anyway).
    Hold {
        #[serde(with = "millis")]
        timeout: Duration,
    },
    /// Answer with `status` and `body` (text/plain) instead of forwarding.
    Respond { status: u16, body: String },
}

mod millis {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

/// A match and its action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub matcher: Match,
    pub action: Action,
}

impl Rule {
    pub fn hold(matcher: Match, timeout: Duration) -> Rule {
        Rule {
            matcher,
            action: Action::Hold { timeout },
        }
    }

    pub fn respond(matcher: Match, status: u16, body: &str) -> Rule {
        Rule {
            matcher,
            action: Action::Respond {
                status,
                body: body.to_string(),
            },
        }
    }
}

/// A rule's handle, for [`HttpProxy::release`](crate::HttpProxy::release).
pub type RuleId = u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let cases = [
            ("/stock/*", "/stock/7", true),
            ("/stock/*", "/stock/7/reserve", true),
            ("/stock/*", "/stock", false),
            ("/stock/*/reserve", "/stock/7/reserve", true),
            ("/stock/*/reserve", "/stock/7/free", false),
            ("*", "/", true),
            ("/a", "/a", true),
            ("/a", "/ab", false),
            ("/a*b*c", "/axxbyyc", true),
            ("/a*b*c", "/axxbyy", false),
        ];
        for (p, s, want) in cases {
            assert_eq!(glob(p, s), want, "{p} on {s}");
        }
    }

    #[test]
    fn matches() {
        let t = "4bf92f3577b34da6a3ce929d0e0e4736";
        let m = Match::any()
            .method("get")
            .path("/stock/*")
            .trace_id(&t.to_uppercase());
        assert!(m.matches("GET", "/stock/7?x=1", Some(t)));
        assert!(!m.matches("POST", "/stock/7", Some(t)));
        assert!(!m.matches("GET", "/orders/7", Some(t)));
        assert!(!m.matches("GET", "/stock/7", None));
        assert!(Match::any().matches("DELETE", "/", None));
    }
}

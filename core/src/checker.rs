//! The `Checker` extension point and the shape of its answer.
//!
//! A checker reads a finished history and returns a [`CheckResult`]: a verdict that
//! may be `Unknown` (a real answer: the budget ran out, or there was nothing to
//! check), plus evidence as JSON that a person and the report can read. An anomaly is
//! data in the result, never an error or a panic.

use crate::history::History;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A verdict, ordered so that the worst of several is their `max`:
/// `Valid < Unknown < Invalid`. Serialised as Jepsen's `valid?`: `true`,
/// `"unknown"` or `false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Valid {
    Valid,
    Unknown,
    Invalid,
}

impl Valid {
    pub fn as_str(self) -> &'static str {
        match self {
            Valid::Valid => "valid",
            Valid::Unknown => "unknown",
            Valid::Invalid => "invalid",
        }
    }

    /// Jepsen's exit codes: 0 valid, 1 invalid, 2 unknown.
    pub fn exit_code(self) -> i32 {
        match self {
            Valid::Valid => 0,
            Valid::Invalid => 1,
            Valid::Unknown => 2,
        }
    }
}

impl Serialize for Valid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Valid::Valid => s.serialize_bool(true),
            Valid::Invalid => s.serialize_bool(false),
            Valid::Unknown => s.serialize_str("unknown"),
        }
    }
}

impl<'de> Deserialize<'de> for Valid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(true) => Ok(Valid::Valid),
            Value::Bool(false) => Ok(Valid::Invalid),
            Value::String(s) if s == "unknown" => Ok(Valid::Unknown),
            other => Err(serde::de::Error::custom(format!(
                "expected true, false or \"unknown\", found {other}"
            ))),
        }
    }
}

/// What a checker found: the verdict and the evidence behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    #[serde(rename = "valid?")]
    pub valid: Valid,
    /// Evidence and statistics, checker-specific (the failing window, the cycles,
    /// the lost elements...). Kept as JSON so that results.json carries it as is.
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl CheckResult {
    pub fn new(valid: Valid) -> CheckResult {
        CheckResult {
            valid,
            details: Map::new(),
        }
    }

    /// `Unknown`, with the reason a person will read.
    pub fn unknown(reason: impl Into<String>) -> CheckResult {
        CheckResult::new(Valid::Unknown).with("error", Value::String(reason.into()))
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> CheckResult {
        self.details.insert(key.to_string(), value.into());
        self
    }
}

/// What a checker may know about the test besides its history.
#[derive(Clone, Debug, Default)]
pub struct CheckContext {
    /// Directory where a checker may write files of evidence (SVGs); `None` when
    /// checking outside a store.
    pub out_dir: Option<std::path::PathBuf>,
    /// Wall-clock budget for the whole check, after which it answers `Unknown`.
    pub time_limit: Option<std::time::Duration>,
    /// Memory budget in bytes, after which it answers `Unknown`.
    pub memory_limit: Option<u64>,
}

/// Reads a history and says whether it is valid.
pub trait Checker: Send + Sync {
    /// Checks the history. Never panics on an anomaly: anomalies are evidence.
    fn check(&self, ctx: &CheckContext, history: &History) -> CheckResult;

    /// The ability to check a history file without first building a
    /// [`History`] (a million-op history then fits in a fraction of the
    /// memory). Checkers that cannot stream do not offer it.
    fn as_file_check(&self) -> Option<&dyn FileCheck> {
        None
    }
}

/// Optional ability of a [`Checker`]: check a history file by streaming it.
pub trait FileCheck {
    /// Checks the file at `path`. A file that cannot be read (a malformed line,
    /// named with its number) is an error rather than a verdict.
    fn check_file(&self, ctx: &CheckContext, path: &std::path::Path)
        -> Result<CheckResult, String>;
}

/// Runs `checker`, turning a panic into an `Unknown` result carrying the panic
/// message (Jepsen's `check-safe`), so that one broken checker cannot take the
/// others' results with it.
pub fn check_safe(checker: &dyn Checker, ctx: &CheckContext, history: &History) -> CheckResult {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| checker.check(ctx, history)))
        .unwrap_or_else(|p| CheckResult::unknown(format!("checker panicked: {}", panic_text(&*p))))
}

/// The message of a panic payload (a checker's, a client's, or the whole run's).
pub fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Several checkers, each result kept under its name; the verdict is the worst.
pub struct Compose(pub Vec<(String, Box<dyn Checker>)>);

impl Checker for Compose {
    fn check(&self, ctx: &CheckContext, history: &History) -> CheckResult {
        let mut worst = Valid::Valid;
        let mut out = Map::new();
        for (name, checker) in &self.0 {
            let r = check_safe(checker.as_ref(), ctx, history);
            worst = worst.max(r.valid);
            out.insert(
                name.clone(),
                serde_json::to_value(&r).unwrap_or(Value::Null),
            );
        }
        CheckResult {
            valid: worst,
            details: out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Valid);
    impl Checker for Fixed {
        fn check(&self, _: &CheckContext, _: &History) -> CheckResult {
            CheckResult::new(self.0)
        }
    }

    struct Panics;
    impl Checker for Panics {
        fn check(&self, _: &CheckContext, _: &History) -> CheckResult {
            panic!("index 7 out of range")
        }
    }

    #[test]
    fn a_panicking_checker_is_unknown_and_the_others_still_report() {
        let c = Compose(vec![
            ("broken".into(), Box::new(Panics)),
            ("fine".into(), Box::new(Fixed(Valid::Valid))),
        ]);
        let r = c.check(&CheckContext::default(), &History::new(vec![]));
        assert_eq!(r.valid, Valid::Unknown);
        let broken = &r.details["broken"];
        assert_eq!(broken["valid?"], "unknown");
        assert!(broken["error"]
            .as_str()
            .unwrap()
            .contains("index 7 out of range"));
        assert_eq!(r.details["fine"]["valid?"], true);
    }

    #[test]
    fn compose_keeps_the_worst() {
        let table = [
            (vec![Valid::Valid, Valid::Valid], Valid::Valid),
            (vec![Valid::Valid, Valid::Unknown], Valid::Unknown),
            (vec![Valid::Invalid, Valid::Unknown], Valid::Invalid),
            (vec![], Valid::Valid),
        ];
        for (parts, want) in table {
            let c = Compose(
                parts
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("c{i}"), Box::new(Fixed(*v)) as Box<dyn Checker>))
                    .collect(),
            );
            let r = c.check(&CheckContext::default(), &History::default());
            assert_eq!(r.valid, want);
        }
    }

    #[test]
    fn valid_serialises_as_jepsen() {
        let r = CheckResult::unknown("budget");
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(s, r#"{"valid?":"unknown","error":"budget"}"#);
        let back: CheckResult = serde_json::from_str(&s).unwrap();
        assert_eq!(back, r);
    }
}

//! What PostgreSQL's errors prove, for core's one rule (`op_client`).
//!
//! A transaction is not committed until its `COMMIT` is acknowledged, and a
//! connection that dies takes its open transaction with it (PostgreSQL rolls
//! it back). So any error *before* `COMMIT` was sent proves nothing happened.
//! After it (or for a single autocommit statement), an error *response* —
//! a serialization failure (40001), a deadlock (40P01), a constraint or
//! transaction-state error (classes 23, 25) — proves the commit failed; but
//! a connection lost without an answer, or a shutdown error, leaves it open:
//! the commit may have reached the WAL.

use rjepsen_core::op_client::OpError;
use tokio_postgres::error::SqlState;

/// Where in a transaction an error came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Statements of an explicit transaction whose `COMMIT` was not sent.
    BeforeCommit,
    /// `COMMIT`, or a statement that commits on its own.
    Commit,
}

/// The error of `e`, met in `phase`.
pub fn classify(e: &tokio_postgres::Error, phase: Phase) -> OpError {
    let text = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    if proves_not_applied(e.code().map(SqlState::code), phase) {
        OpError::NotApplied(text)
    } else {
        OpError::Unknown(text)
    }
}

/// The rule on the SQLSTATE (`None`: no answer, the connection was lost).
pub fn proves_not_applied(code: Option<&str>, phase: Phase) -> bool {
    match (phase, code) {
        (Phase::BeforeCommit, _) => true,
        (Phase::Commit, Some(c)) => {
            c == "40001" || c == "40P01" || c.starts_with("23") || c.starts_with("25")
        }
        (Phase::Commit, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        let table = [
            (Phase::BeforeCommit, None, true),
            (Phase::BeforeCommit, Some("57P01"), true),
            (Phase::Commit, Some("40001"), true),
            (Phase::Commit, Some("40P01"), true),
            (Phase::Commit, Some("23505"), true),
            (Phase::Commit, None, false),
            (Phase::Commit, Some("57P01"), false),
            (Phase::Commit, Some("08006"), false),
        ];
        for (phase, code, want) in table {
            assert_eq!(proves_not_applied(code, phase), want, "{phase:?} {code:?}");
        }
    }
}

//! What Redis's errors prove, for core's one rule (`op_client`).
//!
//! Redis answers every command it ran, so an error *response* (`-READONLY`
//! from a demoted primary, `-LOADING`, `-EXECABORT`, `-ERR ...`) proves the
//! command did nothing: `fail`. So does an error the client raises before it
//! sends anything (a bad address, a refused connection). Anything else — the
//! connection lost or timed out after the command went out, an answer that
//! does not parse — leaves it open: the write may have been applied, `info`.
//! One exception is not reachable here: a `MULTI` whose commands fail at run
//! time applies the others; the list-append transaction only runs `RPUSH` and
//! `LRANGE` on list keys, which cannot.

use redis::{ErrorKind, RedisError};
use rjepsen_core::op_client::OpError;

/// The error of `e`, met while a command was sent or awaited.
pub fn classify(e: &RedisError) -> OpError {
    if proves_not_applied(e.kind()) {
        OpError::NotApplied(e.to_string())
    } else {
        OpError::Unknown(e.to_string())
    }
}

/// The rule on the error's kind.
pub fn proves_not_applied(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Server(_)
            | ErrorKind::Extension
            | ErrorKind::Client
            | ErrorKind::InvalidClientConfig
            | ErrorKind::AuthenticationFailed
    )
}

/// The error of a connection that could not be made: nothing was sent.
pub fn not_connected(what: &str, why: impl std::fmt::Display) -> OpError {
    OpError::NotApplied(format!("failed to {what}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::ServerErrorKind;

    #[test]
    fn the_table() {
        let table = [
            (ErrorKind::Server(ServerErrorKind::ReadOnly), true),
            (ErrorKind::Server(ServerErrorKind::ExecAbort), true),
            (ErrorKind::Server(ServerErrorKind::BusyLoading), true),
            (ErrorKind::Extension, true),
            (ErrorKind::Client, true),
            (ErrorKind::Io, false),
            (ErrorKind::Parse, false),
            (ErrorKind::UnexpectedReturnType, false),
        ];
        for (kind, want) in table {
            assert_eq!(proves_not_applied(kind), want, "{kind:?}");
        }
    }

    #[test]
    fn a_lost_connection_is_unknown() {
        let lost = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(matches!(classify(&lost), OpError::Unknown(_)));
    }
}

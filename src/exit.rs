//! The exit codes of `rjepsen`, Jepsen's: a verdict maps to 0 valid, 1 invalid,
//! 2 unknown (`Valid::exit_code`); these are the two that are not verdicts. Named
//! once so that `main` and the commands cannot drift apart.

/// The arguments (or a file they name) were wrong; the message says which.
pub const BAD_ARGS: i32 = 254;
/// Something broke that is not the user's input (a node, the store, a bug).
pub const INTERNAL: i32 = 255;

//! `rjepsen test-all`'s parts: the matrix (flags or TOML), one run as a child
//! `rjepsen test`, and the campaign's outputs (summary, Markdown, JUnit).

pub mod matrix;
pub mod output;
pub mod run;

#[cfg(test)]
mod tests;

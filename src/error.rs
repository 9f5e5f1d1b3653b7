//! Errors that reach the user, and how they are printed.
//!
//! A [`Failure`] is something the user can act on: a message that says what went wrong and,
//! where there is one, a hint that says the way out. It is printed as
//! `socklab: error: …` followed by `  hint: …` lines, and carries the exit status.

use std::fmt;
use std::process::ExitCode;

/// Exit status for a usage error or a malformed lesson file.
pub const EXIT_USAGE: u8 = 2;
/// Exit status for a failure of the thing asked for (a refused bind, a failed step).
pub const EXIT_FAILURE: u8 = 1;

/// An error explained for the user, with the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong, in one sentence.
    pub message: String,
    /// What to do about it; each entry is printed on its own `hint:` line.
    pub hints: Vec<String>,
    /// The process exit status this failure leads to.
    pub status: u8,
}

impl Failure {
    /// A failure of the operation (exit status 1).
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), hints: Vec::new(), status: EXIT_FAILURE }
    }

    /// A usage error: a bad flag, address or file (exit status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self { status: EXIT_USAGE, ..Self::new(message) }
    }

    /// Adds a hint line.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// The exit code this failure leads to.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.status)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `error:` and `hint:` in the run's language, as localized git and coreutils do.
        write!(f, "socklab: {} {}", crate::t!("common.error_label"), self.message)?;
        for hint in &self.hints {
            write!(f, "\n  {} {hint}", crate::t!("runner.hint_label"))?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

/// An unknown `--lang` is a usage error listing the languages there are.
impl From<crate::language::UnknownLanguage> for Failure {
    fn from(unknown: crate::language::UnknownLanguage) -> Self {
        Self::usage(crate::t!("common.unknown_language", lang = unknown.name))
            .hint(crate::t!("common.known_languages", known = unknown.known))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_message_then_each_hint() {
        let failure = Failure::usage("bad address").hint("try TCP4-LISTEN:8080").hint("see --help");
        assert_eq!(
            failure.to_string(),
            "socklab: error: bad address\n  hint: try TCP4-LISTEN:8080\n  hint: see --help"
        );
        assert_eq!(failure.status, EXIT_USAGE);
    }
}

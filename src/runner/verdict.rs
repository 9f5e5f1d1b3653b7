//! Verdicts: how a step went, in four kinds that never blur.
//!
//! A *fail* is the lesson's business (the output differs from what the tutorial says); an
//! *error* is the environment's (a port taken by another program), never counted against the
//! student; *skipped* says why (IPv6 is off on this host).

use serde::Serialize;

/// How a step went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    /// The output is what the tutorial says.
    Pass,
    /// The output differs; `difference` marks where.
    Fail { difference: String },
    /// The environment stopped the step; what happened and the way out.
    Error { message: String, hints: Vec<String> },
    /// Not run, and why.
    Skipped { reason: String },
}

impl Verdict {
    /// The verdict's name, as JSON and summaries print it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail { .. } => "fail",
            Self::Error { .. } => "error",
            Self::Skipped { .. } => "skipped",
        }
    }

    /// The verdict in the reader's language between brackets (`[pass]` in English), padded
    /// by display width to the 10 columns of the text reports.
    pub fn tag(&self) -> String {
        let tag = format!("[{}]", crate::t!(&format!("runner.tag_{}", self.name())));
        let pad = 10usize.saturating_sub(textwrap::core::display_width(&tag));
        format!("{tag}{}", " ".repeat(pad))
    }

    /// Whether the step counts as done for progress (passed, or skipped for a reason of
    /// the host's).
    pub fn is_done(&self) -> bool {
        matches!(self, Self::Pass | Self::Skipped { .. })
    }
}

/// Counts of verdicts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl Tally {
    pub fn add(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail { .. } => self.failed += 1,
            Verdict::Error { .. } => self.errors += 1,
            Verdict::Skipped { .. } => self.skipped += 1,
        }
    }

    /// The one-line summary: `N passed, N failed, N errors, N skipped`.
    pub fn summary(&self) -> String {
        crate::t!(
            "runner.summary",
            passed = self.passed,
            failed = self.failed,
            errors = self.errors,
            skipped = self.skipped
        )
    }

    /// Whether nothing failed and nothing went wrong.
    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

//! The lesson runner: sessions, verdicts, progress and clean-up.
//!
//! - [`session`]: one lesson being run, each step executed in-process and judged.
//! - [`verdict`]: pass, fail, error, skipped.
//! - [`progress`]: what a student has done, kept per user.
//! - [`cleanup`]: listeners are stopped at the end, on failure, on Ctrl+C, SIGTERM and panic.
//! - [`environment`]: what this host allows.
//! - [`batch`]: `socklab run`, every step without prompts, as text or JSON.
//! - [`tour`]: the interactive tour, through the [`crate::ui::Ui`] interface.

pub mod batch;
pub mod cleanup;
pub mod environment;
pub mod progress;
pub mod session;
pub mod tour;
pub mod verdict;

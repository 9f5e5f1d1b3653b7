//! Self-check: exercises the student carries out with the real tools, and quizzes.
//!
//! The tutorial's steps show; exercises make the student do, and check what they did in the
//! kernel's own tables, never in text they typed.
//!
//! - [`found`]: the facts of a socket as the kernel shows it, compared with an exercise's.
//! - [`check`]: finding the exercise's socket (waiting with a deadline) and judging it.
//! - [`quiz`]: grading multiple choice, and predictions against a real run.
//! - [`practice`]: the interactive part, through the [`crate::ui::Ui`] interface.
//! - [`grade`]: `socklab check`, every exercise without prompts, as text, JSON or JUnit XML.
//! - [`graded`]: what grading gives (each exercise checked, the student graded).
//! - [`junit`]: the JUnit XML that CI systems and classroom graders read.

pub mod check;
pub mod found;
pub mod grade;
pub mod graded;
pub mod junit;
pub mod practice;
pub mod quiz;

//! socklab's integration tests: one binary, one module per area.
//!
//! Every test uses ephemeral ports and temporary directories, so the suite runs in parallel,
//! as root or not, whatever else listens on the machine.

mod book;
mod class;
mod cli;
mod exercise;
mod experience;
mod firewall;
mod hardening;
mod inspect;
mod lab;
mod language;
mod listen;
mod packaging;
mod probe;
mod runner;
mod stat;
mod structure;
mod support;
pub(crate) mod tour;

//! socklab, a hands-on teaching lab for Linux sockets.
//!
//! The library holds everything; `src/main.rs` only calls [`cli::main`]. The in-process
//! tools that stand in for socat, ss, nc and stat live in [`net`]; the messages a user
//! reads live in `locale/*.toml` and are reached through [`text`].

pub mod book;
pub mod class;
pub mod cli;
pub mod config;
pub mod course;
pub mod error;
pub mod exercise;
pub mod help;
pub mod isolation;
pub mod language;
pub mod lesson;
pub mod lint;
pub mod markdown;
pub mod net;
pub mod run_setup;
pub mod runner;
pub mod terminal_text;
pub mod text;
pub mod topology;
pub mod ui;

//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::process::Command;

/// A `Command` for the socklab binary under test, with colour and terminal effects off.
pub fn socklab() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_socklab"));
    command.env("NO_COLOR", "1").env("SOCKLAB_LANG", "en").env_remove("LANG");
    command
}

/// Whether a real tool (ss, nc, socat) is installed; prints a notice when it is not, so a
/// skipped comparison is visible in the test output.
pub fn have_tool(name: &str) -> bool {
    let found = which::which(name).is_ok();
    if !found {
        eprintln!("notice: {name} is not installed; skipping the comparison with it");
    }
    found
}

/// Whether `::1` can be bound here (IPv6 may be off).
pub fn ipv6_available() -> bool {
    let ok = std::net::TcpListener::bind("[::1]:0").is_ok();
    if !ok {
        eprintln!("notice: ::1 cannot be bound; skipping IPv6 cases");
    }
    ok
}

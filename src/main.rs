//! The `socklab` binary: everything lives in the library; this only hands over to it.

use std::process::ExitCode;

fn main() -> ExitCode {
    socklab::cli::main()
}

//! socklab's stat and ls -l, for socket files.
//!
//! (Skeleton: the public API is fixed here; the implementation fills it in.)

use std::path::PathBuf;

use crate::error::Failure;
use crate::net::ToolOutput;

/// `socklab stat [--ls] PATH...`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct StatArgs {
    /// Print one `ls -l` line per file instead of stat's block.
    #[arg(long = "ls")]
    pub ls: bool,
    /// Files to describe.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

/// Describes each path as stat (or ls -l) would.
pub fn execute(args: &StatArgs) -> Result<ToolOutput, Failure> {
    let _ = args;
    todo!("stat::execute")
}

//! socklab's nc -z: is anything listening there?
//!
//! (Skeleton: the public API is fixed here; the implementation fills it in.)

use crate::error::Failure;
use crate::net::ToolOutput;

/// nc's flags for a zero-I/O probe: `[-4|-6] [-u] [-v] [-z] [-w SECS] HOST PORT` or
/// `-U [-u] PATH`.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct ProbeArgs {
    /// Use IPv4 only.
    #[arg(short = '4')]
    pub ipv4: bool,
    /// Use IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
    /// UDP instead of TCP (with -U: a datagram Unix socket).
    #[arg(short = 'u')]
    pub udp: bool,
    /// Verbose: say what happened.
    #[arg(short = 'v')]
    pub verbose: bool,
    /// Zero-I/O mode: only connect (socklab always probes this way).
    #[arg(short = 'z')]
    pub zero_io: bool,
    /// Do not look up names or services.
    #[arg(short = 'n')]
    pub numeric: bool,
    /// The target is a Unix socket path.
    #[arg(short = 'U')]
    pub unix: bool,
    /// Give up after SECS seconds.
    #[arg(short = 'w', value_name = "SECS")]
    pub timeout: Option<f64>,
    /// HOST (or, with -U, the socket PATH).
    #[arg(value_name = "HOST|PATH")]
    pub target: String,
    /// PORT (not with -U).
    #[arg(value_name = "PORT")]
    pub port: Option<String>,
}

/// Runs the probe and reports it in nc's words and exit status.
pub fn execute(args: &ProbeArgs) -> Result<ToolOutput, Failure> {
    let _ = args;
    todo!("probe::execute")
}

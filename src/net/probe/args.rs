//! `socklab probe`'s command line: nc's flags for a zero-I/O probe.

/// nc's flags for a zero-I/O probe: `[-4|-6] [-u] [-v] [-z] [-n] [-w SECS] HOST PORT` or
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
    /// Print socklab's notes even when stderr is not a terminal (piped, socklab prints only
    /// what nc prints).
    #[arg(long)]
    pub notes: bool,
    /// HOST (or, with -U, the socket PATH).
    #[arg(value_name = "HOST|PATH")]
    pub target: String,
    /// PORT, a range LOW-HIGH, or several (not with -U).
    #[arg(value_name = "PORT")]
    pub ports: Vec<String>,
}

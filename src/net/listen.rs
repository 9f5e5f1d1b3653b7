//! socklab's socat: listeners for the tutorial's six socat addresses.
//!
//! (Skeleton: the public API is fixed here; the implementation fills it in.)

use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::Failure;

/// `socklab listen ADDRESS...`: socat listen addresses, several at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct ListenArgs {
    /// socat addresses, e.g. TCP4-LISTEN:8080,fork or UNIX-LISTEN:/tmp/stream.sock,fork.
    #[arg(value_name = "ADDRESS", required = true)]
    pub addresses: Vec<String>,
}

/// The kind of socket a socat address makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenKind {
    Tcp4,
    Tcp6,
    Udp4,
    Udp6,
    UnixStream,
    UnixDatagram,
}

/// Where a listener binds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListenTarget {
    /// A port (0: any free one), on the `bind=` address or the wildcard.
    Port(u16),
    /// A Unix socket path.
    Path(PathBuf),
}

/// A parsed socat listen address with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenSpec {
    pub kind: ListenKind,
    pub target: ListenTarget,
    pub bind: Option<std::net::IpAddr>,
    pub backlog: Option<i32>,
    pub reuseaddr: bool,
    pub ipv6only: Option<bool>,
    pub fork: bool,
}

impl std::str::FromStr for ListenSpec {
    type Err = Failure;

    fn from_str(address: &str) -> Result<Self, Failure> {
        let _ = address;
        todo!("ListenSpec::from_str")
    }
}

/// An open listener that discards what it receives; dropping it closes the socket and removes
/// the socket file it created (and only that file).
#[derive(Debug)]
pub struct Listener {
    spec: ListenSpec,
}

impl Listener {
    /// Opens the socket, binds, listens, and starts serving.
    pub fn open(spec: &ListenSpec) -> Result<Self, Failure> {
        let _ = spec;
        todo!("Listener::open")
    }

    /// The socket inode, as ss shows it.
    pub fn inode(&self) -> u64 {
        todo!("Listener::inode")
    }

    /// The Unix socket path, for a Unix listener.
    pub fn path(&self) -> Option<&std::path::Path> {
        todo!("Listener::path")
    }

    /// The spec this listener was opened from.
    pub fn spec(&self) -> &ListenSpec {
        &self.spec
    }
}

/// Runs `socklab listen`: open every address, serve until SIGINT or SIGTERM, clean up.
pub fn main(args: &ListenArgs) -> Result<ExitCode, Failure> {
    let _ = args;
    todo!("listen::main")
}

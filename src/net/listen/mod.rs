//! socklab's socat: listeners for the tutorial's six socat addresses.
//!
//! `socklab listen TCP4-LISTEN:8080,fork` does what `socat TCP4-LISTEN:8080,fork /dev/null`
//! does, in-process: it binds and listens exactly as socat would (same address family, same
//! backlog, same socket options, so `ss` shows the same rows), accepts every connection or
//! datagram and throws the data away. One thread per listener stands in for socat's forked
//! children, with a fixed bound on the connections it holds, so no flood of connections or
//! datagrams can make the process grow.
//!
//! The parts: `spec` is the address as data ([`ListenSpec`]); `address` reads socat's address
//! grammar into one; `serve` runs the
//! accept and receive loops; `occupant` says what is at a Unix socket path before binding;
//! `socket_file` owns the Unix socket files a listener creates (and removes those, and only
//! those); `explain` turns a refused syscall into an explanation with the way out.

mod address;
mod explain;
mod occupant;
mod serve;
mod socket_file;
mod spec;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use socket2::{Domain, SockAddr, Socket};

use crate::error::Failure;
use crate::t;

pub use address::MAX_PATH_BYTES;
use explain::Step;
use serve::Server;
use serve::Serving;
pub use serve::{LINGER, MAX_CONNECTIONS, MAX_THREADS_PER_LISTENER};
use socket_file::SocketFile;
pub use spec::{DEFAULT_BACKLOG, ListenKind, ListenSpec, ListenTarget, SocketFileOptions};

/// `socklab listen ADDRESS...`: socat listen addresses, several at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct ListenArgs {
    /// Print socklab's lines (ready, notes) even when stderr is not a terminal; without it a
    /// piped `socklab listen` is as silent as socat.
    #[arg(long)]
    pub notes: bool,
    /// socat addresses, e.g. TCP4-LISTEN:8080,fork or UNIX-LISTEN:/tmp/stream.sock,fork.
    #[arg(value_name = "ADDRESS", required = true)]
    pub addresses: Vec<String>,
}

impl std::str::FromStr for ListenSpec {
    type Err = Failure;

    fn from_str(address: &str) -> Result<Self, Failure> {
        address::parse(address)
    }
}

/// How the serving thread handles what arrives: a forking `UDP*-LISTEN` gives each peer a
/// connected socket of its own, as socat's child does, when the port can be shared.
fn serving(spec: &ListenSpec, local: SocketAddr) -> Serving {
    let udp = matches!(spec.kind, ListenKind::Udp4 | ListenKind::Udp6);
    let peer_sockets = udp && spec.fork && !spec.recvfrom && spec.effective_reuseaddr();
    Serving { kind: spec.kind, peer_sockets: peer_sockets.then_some(local) }
}

/// Where an open listener is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    Inet(SocketAddr),
    Path(PathBuf),
}

/// An open listener that discards what it receives; dropping it closes the socket and removes
/// the socket file it created (and only that file).
#[derive(Debug)]
pub struct Listener {
    spec: ListenSpec,
    bound: Bound,
    inode: u64,
    /// Dropped first: stops the serving threads, which closes the socket.
    _server: Server,
    /// Dropped after the socket is closed: removes the file if it is still ours.
    socket_file: Option<SocketFile>,
}

impl Listener {
    /// Opens the socket, binds, listens, and starts serving.
    pub fn open(spec: &ListenSpec) -> Result<Self, Failure> {
        address::check(spec)?;
        match &spec.target {
            ListenTarget::Port(_) => Self::open_inet(spec),
            ListenTarget::Path(path) => Self::open_unix(spec, path),
        }
    }

    fn open_inet(spec: &ListenSpec) -> Result<Self, Failure> {
        let addr = spec.socket_addr().expect("address::check accepted an inet spec");
        let socket = Socket::new(spec.kind.domain(), spec.kind.socket_type(), None)
            .map_err(|err| explain::syscall_failed(spec, Step::Socket, &err))?;
        let configure = || -> std::io::Result<()> {
            if spec.effective_reuseaddr() {
                socket.set_reuse_address(true)?;
            }
            if let Some(only) = spec.ipv6only {
                // IPV6_V6ONLY only counts if set before bind().
                socket.set_only_v6(only)?;
            }
            Ok(())
        };
        configure().map_err(|err| explain::syscall_failed(spec, Step::Configure, &err))?;
        explain::udp_shared(spec, addr)?;
        socket.bind(&addr.into()).map_err(|err| explain::bind_failed(spec, addr, &err))?;
        if spec.kind.is_stream() {
            socket
                .listen(spec.effective_backlog())
                .map_err(|err| explain::syscall_failed(spec, Step::Listen, &err))?;
        }
        let local = socket
            .local_addr()
            .ok()
            .and_then(|local| local.as_socket())
            .ok_or_else(|| explain::unknown_local_address(spec))?;
        let inode = socket_inode(&socket, spec)?;
        let server = Server::start(socket, serving(spec, local))
            .map_err(|err| explain::syscall_failed(spec, Step::Serve, &err))?;
        Ok(Self {
            spec: spec.clone(),
            bound: Bound::Inet(local),
            inode,
            _server: server,
            socket_file: None,
        })
    }

    fn open_unix(spec: &ListenSpec, path: &Path) -> Result<Self, Failure> {
        socket_file::prepare(spec, path)?;
        let socket = Socket::new(Domain::UNIX, spec.kind.socket_type(), None)
            .map_err(|err| explain::syscall_failed(spec, Step::Socket, &err))?;
        if spec.effective_reuseaddr() {
            socket
                .set_reuse_address(true)
                .map_err(|err| explain::syscall_failed(spec, Step::Configure, &err))?;
        }
        let addr =
            SockAddr::unix(path).map_err(|err| explain::syscall_failed(spec, Step::Bind, &err))?;
        socket.bind(&addr).map_err(|err| socket_file::bind_failed(spec, path, &err))?;
        // From here on the file is ours: the guard removes it on every way out, errors included.
        let socket_file = SocketFile::claim(path)
            .map_err(|err| explain::syscall_failed(spec, Step::Bind, &err))?;
        socket_file
            .set_mode_and_owner(&spec.file)
            .map_err(|err| explain::syscall_failed(spec, Step::FileOptions, &err))?;
        if spec.kind.is_stream() {
            socket
                .listen(spec.effective_backlog())
                .map_err(|err| explain::syscall_failed(spec, Step::Listen, &err))?;
        }
        let inode = socket_inode(&socket, spec)?;
        let serving = Serving { kind: spec.kind, peer_sockets: None };
        let server = Server::start(socket, serving)
            .map_err(|err| explain::syscall_failed(spec, Step::Serve, &err))?;
        Ok(Self {
            spec: spec.clone(),
            bound: Bound::Path(path.to_owned()),
            inode,
            _server: server,
            socket_file: Some(socket_file),
        })
    }

    /// The spec this listener was opened from.
    pub fn spec(&self) -> &ListenSpec {
        &self.spec
    }

    /// The address a TCP or UDP listener is bound to, with port 0 resolved to the real port.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.bound {
            Bound::Inet(addr) => Some(*addr),
            Bound::Path(_) => None,
        }
    }

    /// The path a Unix listener is bound to.
    pub fn path(&self) -> Option<&Path> {
        match &self.bound {
            Bound::Inet(_) => None,
            Bound::Path(path) => Some(path),
        }
    }

    /// The socket's inode, as ss shows it and as `/proc/PID/fd` links to it (`socket:[N]`).
    pub fn inode(&self) -> u64 {
        self.inode
    }

    /// The (device, inode) of the socket file a Unix listener created; `stat` shows these,
    /// and they differ from [`Listener::inode`], the socket's own inode.
    pub fn file_id(&self) -> Option<(u64, u64)> {
        self.socket_file.as_ref().map(SocketFile::id)
    }

    /// The line that tells the user the listener is up, e.g.
    /// `listening on TCP 0.0.0.0:41234 (TCP4-LISTEN:0,fork)`.
    pub fn ready_message(&self) -> String {
        let address = self.spec.to_string();
        match &self.bound {
            Bound::Inet(addr) => {
                t!(
                    "listen.ready_inet",
                    proto = self.spec.kind.protocol(),
                    addr = addr,
                    address = address
                )
            }
            Bound::Path(path) => {
                let style = if self.spec.kind.is_stream() {
                    t!("listen.style_stream")
                } else {
                    t!("listen.style_datagram")
                };
                t!("listen.ready_unix", path = path.display(), style = style, address = address)
            }
        }
    }

    /// What socklab adds for the student about this listener: how it differs from socat, and
    /// what ss will show that may surprise.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.spec.fork {
            let address = self.spec.to_string();
            notes.push(if self.spec.kind.is_stream() {
                t!("listen.note_no_fork_stream", address = address)
            } else {
                t!("listen.note_no_fork_datagram", address = address)
            });
        }
        if let Bound::Inet(addr) = &self.bound
            && addr.ip().is_unspecified()
            && addr.is_ipv6()
            && self.dual_stack()
        {
            notes.push(t!("listen.note_dual_stack", addr = addr, port = addr.port()));
        }
        notes
    }

    /// Whether an IPv6 listener also takes IPv4 (IPV6_V6ONLY off).
    fn dual_stack(&self) -> bool {
        match self.spec.ipv6only {
            Some(only) => !only,
            None => !system_bindv6only(),
        }
    }
}

/// `net.ipv6.bindv6only`: the IPV6_V6ONLY a new IPv6 socket starts with.
fn system_bindv6only() -> bool {
    std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only").is_ok_and(|text| text.trim() == "1")
}

/// The socket inode: for a socket, fstat's st_ino is the sockfs inode that ss prints.
fn socket_inode(socket: &Socket, spec: &ListenSpec) -> Result<u64, Failure> {
    rustix::fs::fstat(socket)
        .map(|stat| stat.st_ino)
        .map_err(|errno| explain::syscall_failed(spec, Step::Bind, &errno.into()))
}

/// Runs `socklab listen`: open every address, serve until SIGINT or SIGTERM, clean up, and
/// exit as socat does (130 or 143), after the listeners and their socket files are gone. socat says nothing while it runs; socklab's ready lines and
/// notes are for a terminal, or `--notes`.
pub fn main(args: &ListenArgs) -> Result<ExitCode, Failure> {
    // Every address is checked before anything is opened: a typo in the third one should not
    // leave the first two bound for nothing.
    let specs = args
        .addresses
        .iter()
        .map(|address| address.parse())
        .collect::<Result<Vec<ListenSpec>, _>>()?;
    // The handlers go in before the first bind, so a Ctrl+C at any moment still cleans up.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .map_err(|err| Failure::new(t!("listen.signals_failed", error = err)))?;
    let talk = args.notes || std::io::stderr().is_terminal();
    let mut listeners = Vec::with_capacity(specs.len());
    for spec in &specs {
        // On failure, `listeners` is dropped on the way out, which closes and cleans up.
        let listener = Listener::open(spec)?;
        if talk {
            super::print_socklab_line("", &listener.ready_message());
            for note in listener.notes() {
                super::print_socklab_line("note: ", &note);
            }
        }
        listeners.push(listener);
    }
    let signal = signals.forever().next();
    // Cleanup first: the sockets closed, the socket files removed.
    drop(listeners);
    // socat catches the signal and exits with 128 + its number: 143 for SIGTERM, 130 for
    // SIGINT (measured with socat 1.7.4).
    let status = signal.and_then(|signal| u8::try_from(128 + signal).ok());
    Ok(status.map_or(ExitCode::SUCCESS, ExitCode::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue test in `text` only sees `t!("…")` on one line; rustfmt splits long calls,
    /// so every `"listen.…"` literal of this module is checked here.
    #[test]
    fn every_listen_key_exists_in_english() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/net/listen");
        let keys = crate::text::keys();
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let code = std::fs::read_to_string(&path).unwrap();
            for (index, _) in code.match_indices("\"listen.") {
                let key = &code[index + 1..];
                let key = &key[..key.find('"').unwrap()];
                let is_key = !key.ends_with('.')
                    && key.bytes().all(|b| b.is_ascii_lowercase() || b"_.0123456789".contains(&b));
                if is_key && !keys.contains(&key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from locale/en/listen.toml:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn defaults_follow_socat() {
        let tcp: ListenSpec = "TCP4-LISTEN:0".parse().unwrap();
        assert_eq!(tcp.effective_backlog(), 5);
        assert!(tcp.effective_reuseaddr());
        assert_eq!(tcp.socket_addr(), Some("0.0.0.0:0".parse().unwrap()));
        let udp: ListenSpec = "UDP6-LISTEN:0".parse().unwrap();
        assert!(!udp.effective_reuseaddr());
        assert_eq!(udp.socket_addr(), Some("[::]:0".parse().unwrap()));
        let forking: ListenSpec = "UDP4-LISTEN:0,fork".parse().unwrap();
        assert!(forking.effective_reuseaddr());
        let unix: ListenSpec = "UNIX-LISTEN:/tmp/x.sock".parse().unwrap();
        assert!(!unix.effective_reuseaddr());
        assert_eq!(unix.socket_addr(), None);
    }
}

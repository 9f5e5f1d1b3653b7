//! Refused syscalls, explained: what the kernel's errno means for this listener, and the way out.
//!
//! socat prints `bind(5, {AF_INET, 0.0.0.0:80}, 16): Permission denied` and leaves the rest to
//! the reader. socklab says why (a privileged port, and the sysctl that makes it one here; a
//! port held by which process, or shared with another user's UDP socket; IPv6 switched off; a
//! stale socket file, or one of another user's) and what to do next.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use rustix::io::Errno;

use crate::error::Failure;
use crate::net::inspect::{self, Netid};
use crate::net::privilege;
use crate::t;

use super::occupant::Occupant;
use super::{ListenKind, ListenSpec};

/// The step of opening a listener that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Socket,
    Configure,
    Bind,
    Listen,
    Serve,
    Inspect,
    UnlinkEarly,
    FileOptions,
}

impl Step {
    fn words(self) -> String {
        match self {
            Self::Socket => t!("listen.step.socket"),
            Self::Configure => t!("listen.step.configure"),
            Self::Bind => t!("listen.step.bind"),
            Self::Listen => t!("listen.step.listen"),
            Self::Serve => t!("listen.step.serve"),
            Self::Inspect => t!("listen.step.inspect"),
            Self::UnlinkEarly => t!("listen.step.unlink_early"),
            Self::FileOptions => t!("listen.step.file_options"),
        }
    }
}

/// What the listener is, in a few words: `TCP 0.0.0.0:8080` or the socket path.
fn subject(spec: &ListenSpec) -> String {
    match (spec.socket_addr(), &spec.target) {
        (Some(addr), _) => format!("{} {addr}", spec.kind.protocol()),
        (None, super::ListenTarget::Path(path)) => path.display().to_string(),
        (None, super::ListenTarget::Port(port)) => format!("{} {port}", spec.kind.protocol()),
    }
}

/// A step failed for a reason with no more specific explanation (or IPv6 is off).
pub(super) fn syscall_failed(spec: &ListenSpec, step: Step, err: &io::Error) -> Failure {
    if step == Step::Socket
        && spec.kind.is_ipv6()
        && Errno::from_io_error(err) == Some(Errno::AFNOSUPPORT)
    {
        return ipv6_off(spec, err);
    }
    let error = crate::net::io_reason(err);
    Failure::new(t!("listen.failed", step = step.words(), what = subject(spec), error = error))
}

/// The kernel accepted the bind but the socket has no address we can read back.
pub(super) fn unknown_local_address(spec: &ListenSpec) -> Failure {
    Failure::new(t!("listen.no_local_address", what = subject(spec)))
}

/// Explains a refused bind of a TCP or UDP address.
pub(super) fn bind_failed(spec: &ListenSpec, addr: SocketAddr, err: &io::Error) -> Failure {
    match Errno::from_io_error(err) {
        Some(Errno::ACCESS) => permission_denied(spec, addr, err),
        Some(Errno::ADDRINUSE) => address_in_use(spec, addr),
        Some(Errno::ADDRNOTAVAIL) if is_ipv6_loopback_or_wildcard(addr.ip()) => ipv6_off(spec, err),
        Some(Errno::ADDRNOTAVAIL) => {
            Failure::new(t!("listen.bind.not_local", what = subject(spec), ip = addr.ip()))
                .hint(t!("listen.bind.not_local_hint"))
        }
        Some(Errno::AFNOSUPPORT) if spec.kind.is_ipv6() => ipv6_off(spec, err),
        _ => syscall_failed(spec, Step::Bind, err),
    }
}

fn is_ipv6_loopback_or_wildcard(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V6(ip) if ip.is_loopback() || ip.is_unspecified())
}

/// EACCES: below `ip_unprivileged_port_start`, binding needs root or CAP_NET_BIND_SERVICE.
fn permission_denied(spec: &ListenSpec, addr: SocketAddr, err: &io::Error) -> Failure {
    let start = privilege::unprivileged_port_start();
    let port = addr.port();
    if port == 0 || port >= start {
        let error = crate::net::io_reason(err);
        return Failure::new(t!("listen.bind.denied", what = subject(spec), error = error));
    }
    Failure::new(t!("listen.bind.privileged", what = subject(spec), port = port, start = start))
        .hint(t!("listen.bind.privileged_hint_sudo", address = spec))
        .hint(t!("listen.bind.privileged_hint_port", start = start))
        .hint(t!("listen.bind.privileged_hint_lab"))
}

/// EADDRINUSE: names the processes that hold the port, when we may see them.
fn address_in_use(spec: &ListenSpec, addr: SocketAddr) -> Failure {
    let (netid, flags) = match spec.kind {
        ListenKind::Udp4 | ListenKind::Udp6 => (Netid::Udp, "-ulnp"),
        _ => (Netid::Tcp, "-tlnp"),
    };
    let port = addr.port();
    let holders = inspect::holders_of_port(netid, port);
    let what = subject(spec);
    if holders.is_empty() && netid == Netid::Tcp && in_time_wait(port) {
        // Without SO_REUSEADDR any TIME-WAIT on the port stops the bind; with it, only those
        // whose own socket lacked it (the kernel wants it on both sides).
        if !spec.effective_reuseaddr() {
            let mut with_reuse = spec.clone();
            with_reuse.reuseaddr = None;
            return Failure::new(t!("listen.bind.time_wait", what = what, port = port))
                .hint(t!("listen.bind.time_wait_hint", address = with_reuse));
        }
        return Failure::new(t!("listen.bind.time_wait_unshared", what = what, port = port))
            .hint(t!("listen.bind.time_wait_unshared_hint", port = port));
    }
    let root = privilege::euid() == 0;
    let mut failure = if holders.is_empty() && root {
        // Root sees every process: nobody holds it in this network namespace's processes.
        Failure::new(t!("listen.bind.in_use_unheld", what = what, port = port))
    } else if holders.is_empty() {
        Failure::new(t!("listen.bind.in_use_hidden", what = what, port = port))
    } else {
        let names: Vec<String> = holders
            .iter()
            .map(|holder| {
                t!("listen.bind.holder", name = holder.name, pid = holder.pid, fd = holder.fd)
            })
            .collect();
        Failure::new(t!("listen.bind.in_use", what = what, port = port, holders = names.join(", ")))
    };
    if holders.is_empty() && !root {
        failure = failure.hint(t!("listen.bind.in_use_hint_inspect", flags = flags));
    }
    let dual_stack =
        spec.kind.is_ipv6() && addr.ip().is_unspecified() && spec.ipv6only.is_none_or(|only| !only);
    if dual_stack {
        failure = failure.hint(t!("listen.bind.dual_stack_hint"));
    }
    failure.hint(t!("listen.bind.in_use_hint_stop")).hint(t!("listen.bind.in_use_hint_shared"))
}

/// Before a UDP bind with SO_REUSEADDR (socat's `fork` sets it): the kernel would let this
/// socket share the port with another user's, and datagrams would reach only one of the two,
/// silently. Refused instead, naming the holder and the way out.
pub(super) fn udp_shared(spec: &ListenSpec, addr: SocketAddr) -> Result<(), Failure> {
    use crate::net::inspect::InspectArgs;
    let is_udp = matches!(spec.kind, ListenKind::Udp4 | ListenKind::Udp6);
    if !is_udp || !spec.effective_reuseaddr() || addr.port() == 0 {
        return Ok(());
    }
    let query = InspectArgs {
        udp: true,
        all: true,
        numeric: true,
        processes: true,
        port: Some(addr.port()),
        ..InspectArgs::default()
    };
    let me = privilege::euid();
    let snapshot = inspect::snapshot(&query);
    let Some(theirs) = snapshot.rows.iter().find(|row| row.uid.is_some_and(|uid| uid != me)) else {
        return Ok(());
    };
    let uid = theirs.uid.unwrap_or_default();
    let user =
        crate::net::stat::accounts::user_name(uid).map_or_else(|| uid.to_string(), str::to_owned);
    let holder = match theirs.processes.first() {
        Some(process) => t!(
            "listen.bind.udp_shared_process",
            user = user,
            uid = uid,
            name = process.name,
            pid = process.pid
        ),
        None => t!("listen.bind.udp_shared_user", user = user, uid = uid),
    };
    Err(Failure::new(t!(
        "listen.bind.udp_shared",
        what = subject(spec),
        port = addr.port(),
        holder = holder
    ))
    .hint(t!("listen.bind.in_use_hint_shared")))
}

/// Whether some TCP connection on local `port` is in TIME-WAIT (state 06 in /proc/net/tcp*):
/// no process holds it, yet without SO_REUSEADDR it keeps a listener from binding the port.
fn in_time_wait(port: u16) -> bool {
    const TIME_WAIT: &str = "06";
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        text.lines().skip(1).any(|line| {
            let mut fields = line.split_whitespace();
            let local = fields.nth(1);
            let state = fields.nth(1);
            let local_port = local
                .and_then(|local| local.rsplit_once(':'))
                .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok());
            local_port == Some(port) && state == Some(TIME_WAIT)
        })
    })
}

/// IPv6 is switched off here (or the loopback has no IPv6 address).
fn ipv6_off(spec: &ListenSpec, err: &io::Error) -> Failure {
    let setting = std::fs::read_to_string("/proc/sys/net/ipv6/conf/all/disable_ipv6")
        .map(|text| text.trim().to_owned())
        .unwrap_or_else(|_| t!("listen.bind.ipv6_setting_missing"));
    let mut example = spec.clone();
    example.kind = match spec.kind {
        ListenKind::Udp6 => ListenKind::Udp4,
        _ => ListenKind::Tcp4,
    };
    example.ipv6only = None;
    example.bind = spec.bind.map(|ip| match ip {
        IpAddr::V6(ip) if ip.is_loopback() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    });
    let error = crate::net::io_reason(err);
    Failure::new(t!("listen.bind.ipv6_off", what = subject(spec), error = error))
        .hint(t!("listen.bind.ipv6_off_hint_check", setting = setting))
        .hint(t!("listen.bind.ipv6_off_hint_v4", example = example))
}

/// Something is already at a Unix socket path.
pub(super) fn path_occupied(spec: &ListenSpec, path: &Path, found: &Occupant) -> Failure {
    let path_text = path.display();
    if let Some(owner) = foreign_owner(path)
        && matches!(
            found,
            Occupant::StaleSocket | Occupant::LiveSocket | Occupant::UnknownSocket(_)
        )
    {
        return Failure::new(t!("listen.path.theirs", path = path_text, owner = owner))
            .hint(t!("listen.path.theirs_hint"));
    }
    match found {
        Occupant::NotSocket(kind) => {
            Failure::new(t!("listen.path.not_socket", path = path_text, kind = kind))
                .hint(t!("listen.path.not_socket_hint"))
        }
        Occupant::StaleSocket => {
            let mut with_unlink = spec.clone();
            with_unlink.unlink_early = true;
            Failure::new(t!("listen.path.stale", path = path_text))
                .hint(t!("listen.path.stale_hint_rm", path = path_text))
                .hint(t!("listen.path.stale_hint_unlink_early", example = with_unlink))
        }
        Occupant::LiveSocket => {
            let failure = Failure::new(t!("listen.path.live", path = path_text))
                .hint(t!("listen.path.live_hint"));
            if spec.unlink_early {
                failure.hint(t!("listen.path.live_unlink_early_hint"))
            } else {
                failure
            }
        }
        Occupant::UnknownSocket(error) => {
            Failure::new(t!("listen.path.unknown", path = path_text, error = error))
                .hint(t!("listen.path.live_hint"))
        }
        Occupant::Nothing => Failure::new(t!(
            "listen.failed",
            step = Step::Bind.words(),
            what = subject(spec),
            error = io::Error::from(io::ErrorKind::AddrInUse)
        )),
    }
}

/// The owner of the file at `path`, in words, when it is not this user.
fn foreign_owner(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::symlink_metadata(path).ok()?.uid();
    (uid != privilege::euid()).then(|| {
        crate::net::stat::accounts::user_name(uid)
            .map_or_else(|| format!("uid {uid}"), |name| format!("{name} (uid {uid})"))
    })
}

/// Why the directory of a Unix socket path cannot take the socket file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DirectoryProblem {
    Missing,
    Denied,
}

/// The directory of a Unix socket path is missing or not writable.
pub(super) fn path_directory(path: &Path, problem: DirectoryProblem, err: &io::Error) -> Failure {
    let dir = path.parent().unwrap_or(Path::new("/")).display();
    let path = path.display();
    let message = match problem {
        DirectoryProblem::Missing => t!("listen.path.dir_missing", path = path, dir = dir),
        DirectoryProblem::Denied => {
            let error = crate::net::io_reason(err);
            t!("listen.path.dir_denied", path = path, dir = dir, error = error)
        }
    };
    Failure::new(message).hint(t!("listen.path.dir_hint"))
}

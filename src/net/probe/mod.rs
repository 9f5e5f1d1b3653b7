//! socklab's `nc -z`: is anything listening there?
//!
//! A probe takes nc's flags ([`ProbeArgs`]), resolves the target ([`target`]), tries it the
//! way netcat-openbsd does (TCP and UDP in [`inet`], Unix sockets in [`unix`]) and gives a
//! structured [`Probe`]: a [`Verdict`] per address tried, plus the [`ToolOutput`] that nc would
//! have printed (its lines on stderr, its exit status) and socklab's notes on what the result
//! does and does not prove. Nothing here starts another program.
//!
//! The wording is that of the installed Debian netcat-openbsd 1.219, measured: `-v` prints
//! `Connection to HOST PORT port [tcp/SERVICE] succeeded!` or
//! `nc: connect to HOST port PORT (tcp) failed: REASON`; a closed UDP port and every Unix
//! success are silent; Unix failures read `nc: PATH: REASON`.

mod args;
pub mod inet;
pub mod target;
pub mod unix;
mod verdict;

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use rustix::io::Errno;

use crate::error::Failure;
use crate::net::ToolOutput;
use crate::net::services::{self, Transport};
use crate::net::stat;
use crate::t;
use target::Refusal;

pub use args::ProbeArgs;
pub use inet::LOOPBACK_REPLY_WAIT;
pub use target::{InetTarget, Target, UnixKind, UnixTarget};
pub use verdict::{Attempt, Phase, Verdict};

/// How long a TCP connect may take when `-w` is not given. nc would block for as long as the
/// kernel retries its SYN (about two minutes); a lab should not hang that long.
pub const DEFAULT_TCP_TIMEOUT: Duration = Duration::from_secs(5);

/// How long Debian's nc waits for an ICMP error from a UDP port when `-w` is not given
/// (`UDP_SCAN_TIMEOUT` in its udp-scan-timeout patch).
pub const NC_UDP_WAIT: Duration = Duration::from_secs(3);

/// How long we wait for the ICMP error of a closed UDP port on loopback when `-w` is not
/// given. On loopback the kernel answers the datagram with the port-unreachable inside our own
/// `send()`, and loopback is exempt from ICMP rate limits. Measured here (send, then recv until
/// `ECONNREFUSED`, 3000 probes per run): median 4 µs, 99th percentile 13 µs, worst 1.3 ms on an
/// idle machine and 8.7 ms with both cores saturated by other work. 150 ms is seventeen times
/// that worst case and still answers quickly for an open (silent) port.
pub const LOOPBACK_UDP_WAIT: Duration = Duration::from_millis(150);

/// The whole result of a probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// What was probed.
    pub target: Target,
    /// For HOST PORT: each address tried, in order, up to the first that succeeded (as nc
    /// does). Empty for Unix sockets.
    pub attempts: Vec<Attempt>,
    /// The verdict that decides: the first success, else the last failure.
    pub verdict: Verdict,
    /// The TCP connect timeout or the UDP wait that was used (zero for Unix sockets).
    pub waited: Duration,
    /// nc's output and exit status, with socklab's notes.
    pub output: ToolOutput,
}

/// Probes the (first) target as `nc -z` would, and explains the result.
pub fn probe(args: &ProbeArgs) -> Result<Probe, Failure> {
    let target = target::resolve(args)?;
    Ok(probe_one(args, &target))
}

/// Probes every target, one port after the other, as nc does with several ports or a range.
pub fn probe_all(args: &ProbeArgs) -> Result<Vec<Probe>, Failure> {
    Ok(target::resolve_all(args)?.iter().map(|target| probe_one(args, target)).collect())
}

fn probe_one(args: &ProbeArgs, target: &Target) -> Probe {
    let mut probe = match target {
        Target::Inet(inet) => probe_inet(args, inet),
        Target::Unix(unix) => probe_unix(args, unix),
    };
    probe.output.status = if probe.verdict.succeeded() { 0 } else { 1 };
    probe
}

/// Runs the probes and reports them in nc's words and exit status: one line per port with
/// `-v`, status 0 when any port succeeded (nc 1.219). A port or host nc refuses gives nc's
/// own line and status 1, with socklab's explanation as a note.
pub fn execute(args: &ProbeArgs) -> Result<ToolOutput, Failure> {
    let targets = match target::targets(args) {
        Ok(targets) => targets,
        Err(Refusal::Usage(failure)) => return Err(failure),
        Err(Refusal::Nc(error)) => {
            let mut notes = vec![error.failure.message];
            notes.extend(error.failure.hints);
            let stderr = error.nc_line;
            return Ok(ToolOutput { stderr, status: 1, notes, ..ToolOutput::default() });
        }
    };
    let probes: Vec<Probe> = targets.iter().map(|target| probe_one(args, target)).collect();
    let mut output = ToolOutput { status: 1, ..ToolOutput::default() };
    for probe in probes {
        output.stderr.push_str(&probe.output.stderr);
        output.notes.extend(probe.output.notes);
        output.advice.extend(probe.output.advice);
        if probe.verdict.succeeded() {
            output.status = 0;
        }
    }
    if !args.zero_io {
        output.notes.push(t!("probe.note_always_zero_io"));
    }
    Ok(output)
}

/// `socklab probe`: nc's lines on stderr and its exit status; socklab's notes only on a
/// terminal or with `--notes`, so a piped probe stands in for nc.
pub fn main(args: &ProbeArgs) -> Result<std::process::ExitCode, Failure> {
    Ok(execute(args)?.print_with_notes(args.notes))
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

fn probe_inet(args: &ProbeArgs, target: &InetTarget) -> Probe {
    let explicit = args.timeout.map(Duration::from_secs_f64);
    let all_loopback = target.addresses.iter().all(|addr| is_loopback(addr.ip()));
    let waited = match (target.transport, explicit) {
        (_, Some(wait)) => wait,
        (Transport::Tcp, None) => DEFAULT_TCP_TIMEOUT,
        (Transport::Udp, None) if all_loopback => LOOPBACK_UDP_WAIT,
        (Transport::Udp, None) => NC_UDP_WAIT,
    };
    // Debian's nc tests a UDP port only with -v: without it, it connects the socket, sends
    // nothing and exits 0. socklab does the same, so that a piped probe stands in for nc.
    let untested = target.transport == Transport::Udp && !args.verbose;
    let mut attempts = Vec::new();
    for &address in &target.addresses {
        let attempt = match target.transport {
            Transport::Tcp => inet::tcp(address, waited),
            Transport::Udp if untested => inet::udp_untested(address),
            Transport::Udp => inet::udp(address, waited, explicit.is_none() && all_loopback),
        };
        let done = attempt.verdict.succeeded();
        attempts.push(attempt);
        if done {
            break;
        }
    }
    let verdict =
        attempts.last().map_or(Verdict::Failed { errno: Errno::IO.raw_os_error() }, |a| a.verdict);
    let mut output = ToolOutput::default();
    for attempt in &attempts {
        if args.verbose {
            output.stderr.push_str(&nc_inet_line(args, target, attempt));
        }
        if !untested {
            output.notes.extend(inet_notes(args, target, attempt, waited));
        }
    }
    if target.transport == Transport::Tcp && verdict == Verdict::Closed {
        output.advice.push(t!("probe.advice_tcp_closed"));
    }
    if untested {
        output.notes.push(t!("probe.note_udp_needs_v"));
    }
    Probe { target: Target::Inet(target.clone()), attempts, verdict, waited, output }
}

/// How nc names the host in its lines: `127.0.0.1`, or `localhost (127.0.0.1)` when the name
/// given is not the address itself.
fn host_label(args: &ProbeArgs, host: &str, ip: IpAddr) -> String {
    let numeric = ip.to_string();
    if args.numeric || host == numeric { host.to_owned() } else { format!("{host} ({numeric})") }
}

/// nc's `-v` line for one attempt (empty where nc prints nothing).
fn nc_inet_line(args: &ProbeArgs, target: &InetTarget, attempt: &Attempt) -> String {
    let proto = target.transport.as_str();
    let port = target.port;
    let host = host_label(args, &target.host, attempt.address.ip());
    match attempt.verdict {
        Verdict::Open | Verdict::OpenOrFiltered => {
            let service = if args.numeric { None } else { services::name(port, target.transport) };
            let service = service.unwrap_or("*");
            format!("Connection to {host} {port} port [{proto}/{service}] succeeded!\n")
        }
        // nc's udptest() returns -1 without a word when the datagram draws an error.
        _ if attempt.phase == Phase::Datagram => String::new(),
        Verdict::TimedOut => {
            format!(
                "nc: connect to {host} port {port} ({proto}) timed out: Operation now in progress\n"
            )
        }
        verdict => {
            let reason = strerror(verdict.errno().unwrap_or(Errno::IO.raw_os_error()));
            format!("nc: connect to {host} port {port} ({proto}) failed: {reason}\n")
        }
    }
}

fn inet_notes(
    args: &ProbeArgs,
    target: &InetTarget,
    attempt: &Attempt,
    waited: Duration,
) -> Vec<String> {
    let addr = attempt.address;
    let port = target.port;
    let udp = target.transport == Transport::Udp;
    let ms = waited.as_millis();
    let secs = waited.as_secs_f64();
    let mut notes = Vec::new();
    match attempt.verdict {
        Verdict::Open if udp => notes.push(t!("probe.note_udp_reply", addr = addr)),
        Verdict::Open => notes.push(t!("probe.note_tcp_open", addr = addr)),
        Verdict::OpenOrFiltered => {
            notes.push(t!("probe.note_udp_silence", addr = addr, ms = attempt.elapsed.as_millis()));
            if attempt.receiver_bound {
                notes.push(t!(
                    "probe.note_udp_loopback_receiver",
                    addr = addr,
                    ms = LOOPBACK_REPLY_WAIT.as_millis()
                ));
            } else if args.timeout.is_none() && waited == LOOPBACK_UDP_WAIT {
                notes.push(t!("probe.note_udp_loopback_wait", ms = ms));
            }
        }
        Verdict::Closed if udp => notes.push(t!("probe.note_udp_closed", addr = addr, port = port)),
        Verdict::Closed => notes.push(t!("probe.note_tcp_closed", addr = addr, port = port)),
        Verdict::TimedOut => {
            notes.push(t!("probe.note_timed_out", addr = addr, secs = secs));
            if args.timeout.is_none() {
                notes.push(t!("probe.note_default_timeout", secs = secs));
            }
        }
        Verdict::Unreachable { errno } => {
            notes.push(t!("probe.note_unreachable", addr = addr, reason = strerror(errno)));
        }
        verdict => {
            let reason = strerror(verdict.errno().unwrap_or(Errno::IO.raw_os_error()));
            notes.push(t!("probe.note_inet_failed", addr = addr, reason = reason));
        }
    }
    notes
}

fn probe_unix(args: &ProbeArgs, target: &UnixTarget) -> Probe {
    let timeout = args.timeout.map_or(DEFAULT_TCP_TIMEOUT, Duration::from_secs_f64);
    let verdict = unix::probe(target, timeout);
    let mut output = ToolOutput::default();
    if let Some(errno) = verdict.errno() {
        let _ = writeln!(output.stderr, "nc: {}: {}", target.path, strerror(errno));
    }
    output.notes.push(unix_note(target, verdict));
    if verdict == Verdict::NoSuchFile {
        output.advice.push(t!("probe.advice_unix_missing"));
    }
    if args.verbose && target.kind == UnixKind::Datagram {
        output.notes.push(t!("probe.note_unix_bound_on"));
    }
    Probe {
        target: Target::Unix(target.clone()),
        attempts: Vec::new(),
        verdict,
        waited: Duration::ZERO,
        output,
    }
}

fn unix_note(target: &UnixTarget, verdict: Verdict) -> String {
    let path = &target.path;
    match verdict {
        Verdict::Open => t!("probe.note_unix_open", path = path, kind = target.kind.word()),
        Verdict::Closed => t!("probe.note_unix_abstract_refused", path = path),
        Verdict::NoSuchFile => t!("probe.note_unix_missing", path = path),
        Verdict::Stale => t!("probe.note_unix_stale", path = path),
        Verdict::NotASocket { kind } => {
            t!("probe.note_unix_not_socket", path = path, kind = kind.describe(1))
        }
        Verdict::WrongType { expected, actual: Some(actual) } => t!(
            "probe.note_unix_wrong_type",
            path = path,
            actual = actual.word(),
            expected = expected.word(),
            flags = actual.flags(),
        ),
        Verdict::WrongType { actual: None, .. } => t!("probe.note_unix_neither_type", path = path),
        Verdict::PermissionDenied => permission_note(path),
        Verdict::QueueFull => t!("probe.note_unix_queue_full", path = path),
        Verdict::Failed { errno } if errno == Errno::NAMETOOLONG.raw_os_error() => {
            t!("probe.note_unix_too_long", path = path, len = path.len())
        }
        verdict => {
            let reason = strerror(verdict.errno().unwrap_or(Errno::IO.raw_os_error()));
            t!("probe.note_unix_failed", path = path, reason = reason)
        }
    }
}

/// Explains `EACCES` with the file's actual mode and owner, and who we are.
fn permission_note(path: &str) -> String {
    let uid = crate::net::privilege::euid();
    match stat::stat_path(Path::new(path)) {
        Ok(file) => t!(
            "probe.note_unix_denied",
            path = path,
            mode = file.mode_string(),
            owner = file.owner_name(),
            group = file.group_name(),
            uid = uid,
        ),
        Err(_) => t!("probe.note_unix_denied_dir", path = path, uid = uid),
    }
}

pub use crate::net::strerror;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Nc {
        #[command(flatten)]
        args: ProbeArgs,
    }

    fn parse(line: &str) -> ProbeArgs {
        Nc::try_parse_from(line.split_whitespace()).unwrap().args
    }

    #[test]
    fn parses_the_tutorial_lines_like_nc() {
        let tcp = parse("nc -4 -vz 127.0.0.1 8080");
        assert!(tcp.ipv4 && tcp.verbose && tcp.zero_io && !tcp.udp && !tcp.ipv6);
        assert_eq!(
            (tcp.target.as_str(), tcp.ports.as_slice()),
            ("127.0.0.1", &["8080".to_owned()][..])
        );
        let udp6 = parse("nc -6 -u -vz ::1 123");
        assert!(udp6.ipv6 && udp6.udp && udp6.verbose && udp6.zero_io && !udp6.ipv4);
        assert_eq!((udp6.target.as_str(), udp6.ports.as_slice()), ("::1", &["123".to_owned()][..]));
        let stream = parse("nc -U -z /tmp/stream.sock");
        assert!(stream.unix && stream.zero_io && !stream.udp && !stream.verbose);
        assert_eq!((stream.target.as_str(), stream.ports.is_empty()), ("/tmp/stream.sock", true));
        let dgram = parse("nc -U -u -z /tmp/datagram.sock");
        assert!(dgram.unix && dgram.udp && dgram.zero_io);
        let combined = parse("nc -4uvznw2 127.0.0.1 123");
        assert!(combined.ipv4 && combined.udp && combined.verbose && combined.numeric);
        assert_eq!(combined.timeout, Some(2.0));
    }

    #[test]
    fn bad_input_is_a_usage_error_with_a_hint() {
        for line in [
            "nc -z 127.0.0.1",
            "nc -z 127.0.0.1 http-nonsense",
            "nc -z 127.0.0.1 0",
            "nc -z 127.0.0.1 70000",
            "nc -z 127.0.0.1 8080-",
            "nc -z 127.0.0.1 8080-8080-1",
            "nc -w 1e30 -z 127.0.0.1 80",
            "nc -4 -6 -z 127.0.0.1 80",
            "nc -4 -z ::1 80",
            "nc -6 -z 127.0.0.1 80",
            "nc -U -z /tmp/x.sock 80",
            "nc -4 -U -z /tmp/x.sock",
            "nc -n -z localhost 80",
            "nc -w 0 -z 127.0.0.1 80",
            "nc -z no_such_host.invalid 80",
        ] {
            let failure = probe(&parse(line)).expect_err(line);
            assert_eq!(failure.status, crate::error::EXIT_USAGE, "{line}");
            assert!(!failure.hints.is_empty(), "{line} has no hint");
            assert!(!failure.message.contains('<'), "{line}: missing key: {}", failure.message);
        }
    }

    #[test]
    fn host_label_shows_the_address_only_for_names() {
        let args = ProbeArgs::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(host_label(&args, "127.0.0.1", ip), "127.0.0.1");
        assert_eq!(host_label(&args, "localhost", ip), "localhost (127.0.0.1)");
        assert_eq!(host_label(&args, "::1", "::1".parse().unwrap()), "::1");
    }

    #[test]
    fn strerror_matches_the_c_library_words() {
        assert_eq!(strerror(Errno::CONNREFUSED.raw_os_error()), "Connection refused");
        assert_eq!(strerror(Errno::NOENT.raw_os_error()), "No such file or directory");
        assert_eq!(strerror(Errno::PROTOTYPE.raw_os_error()), "Protocol wrong type for socket");
    }

    #[test]
    fn only_open_and_open_or_filtered_succeed() {
        assert!(Verdict::Open.succeeded() && Verdict::OpenOrFiltered.succeeded());
        for failed in [Verdict::Closed, Verdict::TimedOut, Verdict::Stale, Verdict::NoSuchFile] {
            assert!(!failed.succeeded());
        }
    }
}

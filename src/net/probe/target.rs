//! What a probe aims at: `HOST PORT` over TCP or UDP, or a Unix socket path, checked and
//! resolved before any socket is made.
//!
//! Ports are numbers or service names from `/etc/services` (nc asks getaddrinfo, which reads
//! the same file, so `nc -z 127.0.0.1 http-alt` probes 8080). Host names go through the
//! system resolver (`ToSocketAddrs`, i.e. getaddrinfo), numeric addresses are taken as they
//! are. Every mistake becomes a usage [`Failure`] that says how to write it instead.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use crate::error::Failure;
use crate::net::services::{self, Transport};
use crate::t;

use super::ProbeArgs;

/// Where to probe, ready to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A TCP or UDP port on one or more addresses.
    Inet(InetTarget),
    /// A Unix domain socket file (or an `@abstract` name).
    Unix(UnixTarget),
}

/// A TCP or UDP port on a host, with the host's addresses in the resolver's order (nc tries
/// them one after the other until one connects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetTarget {
    /// The host as the user wrote it (nc prints it so).
    pub host: String,
    /// The port number (a service name already turned into its number).
    pub port: u16,
    /// TCP or UDP.
    pub transport: Transport,
    /// The addresses to try, in order; never empty.
    pub addresses: Vec<SocketAddr>,
}

/// A Unix domain socket to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixTarget {
    /// The path as the user wrote it; a leading `@` names an abstract socket (as with
    /// Debian's nc).
    pub path: String,
    /// Stream (`-U`) or datagram (`-U -u`).
    pub kind: UnixKind,
}

/// The two Unix socket types nc can probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnixKind {
    /// `SOCK_STREAM` (`nc -U`).
    Stream,
    /// `SOCK_DGRAM` (`nc -U -u`).
    Datagram,
}

impl UnixKind {
    /// The other type.
    pub fn other(self) -> Self {
        match self {
            Self::Stream => Self::Datagram,
            Self::Datagram => Self::Stream,
        }
    }

    /// The word for this type in socklab's messages.
    pub fn word(self) -> String {
        match self {
            Self::Stream => t!("probe.kind_stream"),
            Self::Datagram => t!("probe.kind_datagram"),
        }
    }

    /// The nc flags that probe this type.
    pub fn flags(self) -> &'static str {
        match self {
            Self::Stream => "-U",
            Self::Datagram => "-U -u",
        }
    }
}

/// The longest `-w` socklab takes: nc's own limit (`INT_MAX / 1000` seconds, about 24.8
/// days), beyond which a timeout means nothing and would overflow.
pub const MAX_TIMEOUT_SECS: f64 = 2_147_483.0;

/// An argument nc refuses with a line of its own and exit status 1 (`nc: port number
/// invalid: X`, `nc: missing port number`, `nc: getaddrinfo for host …`), and socklab's
/// explanation of it.
#[derive(Debug, Clone, PartialEq)]
pub struct NcError {
    /// What nc prints on stderr, with its newline.
    pub nc_line: String,
    /// socklab's explanation, with hints.
    pub failure: Failure,
}

/// Why a probe cannot start: a port or host nc refuses with a line of its own (status 1),
/// or a mistake socklab reports as a usage error.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    Nc(NcError),
    Usage(Failure),
}

impl Refusal {
    /// socklab's explanation, whichever it is.
    pub fn into_failure(self) -> Failure {
        match self {
            Self::Nc(error) => error.failure,
            Self::Usage(failure) => failure,
        }
    }
}

/// Checks the arguments and resolves the target of the first port.
pub fn resolve(args: &ProbeArgs) -> Result<Target, Failure> {
    let mut targets = resolve_all(args)?;
    // Every inet target list has a port (a missing one is refused), a Unix one its path.
    Ok(targets.swap_remove(0))
}

/// Checks the arguments and resolves every target, in nc's order: one per port of each port
/// argument (`8080`, `8080-8085`, `http`), every argument checked before any is probed.
pub fn resolve_all(args: &ProbeArgs) -> Result<Vec<Target>, Failure> {
    targets(args).map_err(Refusal::into_failure)
}

/// [`resolve_all`], telling nc's own refusals (which come first, as nc reads its port and
/// host before anything else fails) from socklab's usage errors.
pub fn targets(args: &ProbeArgs) -> Result<Vec<Target>, Refusal> {
    let inet = if args.unix { None } else { Some(inet_arguments(args).map_err(Refusal::Nc)?) };
    let usage = |failure: Failure| Err(Refusal::Usage(failure));
    if args.ipv4 && args.ipv6 {
        return usage(
            Failure::usage(t!("probe.both_families")).hint(t!("probe.both_families_hint")),
        );
    }
    if let Some(timeout) = args.timeout
        && !(timeout.is_finite() && timeout > 0.0 && timeout <= MAX_TIMEOUT_SECS)
    {
        return usage(
            Failure::usage(t!("probe.bad_timeout", value = timeout, max = MAX_TIMEOUT_SECS))
                .hint(t!("probe.bad_timeout_hint")),
        );
    }
    let Some((ports, addresses)) = inet else {
        return unix_target(args).map(|unix| vec![Target::Unix(unix)]).map_err(Refusal::Usage);
    };
    let transport = if args.udp { Transport::Udp } else { Transport::Tcp };
    Ok(ports
        .into_iter()
        .map(|port| {
            let addresses = addresses.iter().map(|addr| SocketAddr::new(addr.ip(), port)).collect();
            Target::Inet(InetTarget { host: args.target.clone(), port, transport, addresses })
        })
        .collect())
}

/// The ports and the host's addresses, checked in nc's order: a port is given, every port
/// argument reads, then the host resolves (nc names the first port in its line).
pub fn inet_arguments(args: &ProbeArgs) -> Result<(Vec<u16>, Vec<SocketAddr>), NcError> {
    if args.ports.is_empty() {
        return Err(NcError {
            nc_line: "nc: missing port number\n".to_owned(),
            failure: Failure::usage(t!("probe.missing_port"))
                .hint(t!("probe.missing_port_hint", host = args.target)),
        });
    }
    let ports = ports(args)?;
    let addresses = resolve_host(&args.target, ports[0], args)?;
    Ok((ports, addresses))
}

/// Every port the port arguments name, in order.
pub fn ports(args: &ProbeArgs) -> Result<Vec<u16>, NcError> {
    let transport = if args.udp { Transport::Udp } else { Transport::Tcp };
    let mut all = Vec::new();
    for text in &args.ports {
        all.extend(parse_ports(text, transport)?);
    }
    Ok(all)
}

fn unix_target(args: &ProbeArgs) -> Result<UnixTarget, Failure> {
    if let Some(port) = args.ports.first() {
        return Err(Failure::usage(t!("probe.unix_with_port", port = port))
            .hint(t!("probe.unix_with_port_hint", path = args.target)));
    }
    if args.ipv4 || args.ipv6 {
        return Err(
            Failure::usage(t!("probe.unix_with_family")).hint(t!("probe.unix_with_family_hint"))
        );
    }
    if args.target.is_empty() {
        return Err(Failure::usage(t!("probe.empty_path")).hint(t!("probe.empty_path_hint")));
    }
    let kind = if args.udp { UnixKind::Datagram } else { UnixKind::Stream };
    Ok(UnixTarget { path: args.target.clone(), kind })
}

/// Why `strtonum` refused a number: its own words, which nc prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberError {
    Invalid,
    TooSmall,
    TooLarge,
}

impl NumberError {
    fn word(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::TooSmall => "too small",
            Self::TooLarge => "too large",
        }
    }
}

/// OpenBSD's `strtonum(text, 1, 65535)`, as nc reads a port: optional leading white space
/// and sign, then decimal digits to the very end (`" 8080"` and `"+8080"` are 8080;
/// `"8080 "` is invalid).
fn strtonum(text: &str) -> Result<u16, NumberError> {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\u{b}', '\u{c}', '\r']);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::Invalid);
    }
    let zero = digits.bytes().all(|b| b == b'0');
    match (negative, zero, digits.parse::<u16>()) {
        (_, true, _) | (true, false, _) => Err(NumberError::TooSmall),
        (false, false, Ok(port)) => Ok(port),
        (false, false, Err(_)) => Err(NumberError::TooLarge),
    }
}

/// One port argument, read as nc 1.219 reads it: `LOW-HIGH` (starting with a digit; both
/// numbers; either order) is every port between, anything else is a number or else a
/// service name from `/etc/services`.
pub fn parse_ports(text: &str, transport: Transport) -> Result<Vec<u16>, NcError> {
    if text.starts_with(|c: char| c.is_ascii_digit())
        && let Some((low, high)) = text.split_once('-')
    {
        // nc reads the upper end first, so that is the one it complains about first.
        let high = strtonum(high).map_err(|error| port_error(error, high, transport))?;
        let low = strtonum(low).map_err(|error| port_error(error, low, transport))?;
        return Ok((low.min(high)..=low.max(high)).collect());
    }
    match strtonum(text) {
        Ok(port) => Ok(vec![port]),
        Err(error) => services::port(text, transport)
            .map(|port| vec![port])
            .ok_or_else(|| port_error(error, text, transport)),
    }
}

/// A port number, or a service name looked up in `/etc/services` for `transport`; a range is
/// refused here (one port is wanted).
pub fn parse_port(text: &str, transport: Transport) -> Result<u16, Failure> {
    match parse_ports(text, transport) {
        Ok(ports) if ports.len() == 1 => Ok(ports[0]),
        Ok(_) => Err(Failure::usage(t!("probe.bad_port", port = text, proto = transport.as_str()))
            .hint(t!("probe.bad_port_hint"))),
        Err(error) => Err(error.failure),
    }
}

fn port_error(error: NumberError, text: &str, transport: Transport) -> NcError {
    let failure = match error {
        NumberError::TooSmall => {
            Failure::usage(t!("probe.port_zero", port = text)).hint(t!("probe.port_range_hint"))
        }
        NumberError::TooLarge => Failure::usage(t!("probe.port_too_large", port = text))
            .hint(t!("probe.port_range_hint")),
        NumberError::Invalid => {
            Failure::usage(t!("probe.bad_port", port = text, proto = transport.as_str()))
                .hint(t!("probe.bad_port_hint"))
        }
    };
    NcError { nc_line: format!("nc: port number {}: {text}\n", error.word()), failure }
}

/// The addresses of `host` for the family asked for, as nc's getaddrinfo finds them; a
/// refusal carries nc's line, which names `port`.
fn resolve_host(host: &str, port: u16, args: &ProbeArgs) -> Result<Vec<SocketAddr>, NcError> {
    let wanted = |addr: &SocketAddr| match (args.ipv4, args.ipv6) {
        (true, _) => addr.is_ipv4(),
        (_, true) => addr.is_ipv6(),
        _ => true,
    };
    let refused = |reason: &str, failure: Failure| NcError {
        nc_line: format!("nc: getaddrinfo for host \"{host}\" port {port}: {reason}\n"),
        failure,
    };
    const NO_NAME: &str = "Name or service not known";
    let wrong_family = || {
        let hint = if args.ipv4 { t!("probe.family_hint_v4") } else { t!("probe.family_hint_v6") };
        Failure::usage(t!("probe.wrong_family", host = host)).hint(hint)
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        let addr = SocketAddr::new(ip, port);
        if !wanted(&addr) {
            return Err(refused("Address family for hostname not supported", wrong_family()));
        }
        return Ok(vec![addr]);
    }
    if args.numeric {
        let failure = Failure::usage(t!("probe.numeric_name", host = host))
            .hint(t!("probe.numeric_name_hint"));
        return Err(refused(NO_NAME, failure));
    }
    let found: Vec<SocketAddr> = match (host, port).to_socket_addrs() {
        Ok(found) => found.collect(),
        Err(err) => {
            // std's words before getaddrinfo's own (gai_strerror), which nc prints.
            let text = err.to_string();
            let reason =
                text.strip_prefix("failed to lookup address information: ").unwrap_or(&text);
            let failure = Failure::usage(t!("probe.unresolved", host = host, reason = reason))
                .hint(t!("probe.unresolved_hint"));
            return Err(refused(reason, failure));
        }
    };
    let mut addresses: Vec<SocketAddr> = Vec::new();
    for addr in found.into_iter().filter(wanted) {
        if !addresses.contains(&addr) {
            addresses.push(addr);
        }
    }
    if addresses.is_empty() {
        return Err(refused(NO_NAME, wrong_family()));
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_numbers_are_checked_like_nc() {
        assert_eq!(parse_port("8080", Transport::Tcp), Ok(8080));
        assert_eq!(parse_port("65535", Transport::Udp), Ok(65535));
        assert_eq!(parse_port(" 8080", Transport::Tcp), Ok(8080), "strtonum skips white space");
        assert_eq!(parse_port("+8080", Transport::Tcp), Ok(8080));
        assert_eq!(parse_ports("8083-8080", Transport::Tcp).unwrap(), vec![8080, 8081, 8082, 8083]);
        for (bad, line) in [
            ("8080 ", "nc: port number invalid: 8080 \n"),
            ("0", "nc: port number too small: 0\n"),
            ("70000", "nc: port number too large: 70000\n"),
            ("8080-8080-1", "nc: port number invalid: 8080-1\n"),
            ("80-http", "nc: port number invalid: http\n"),
            ("0-3", "nc: port number too small: 0\n"),
            (" 8080- 8081", "nc: port number invalid:  8080- 8081\n"),
        ] {
            assert_eq!(parse_ports(bad, Transport::Tcp).unwrap_err().nc_line, line, "{bad:?}");
        }
        for bad in ["0", "65536", "99999999999", "", "8079-8080", "no-such-service-here"] {
            let failure = parse_port(bad, Transport::Tcp).unwrap_err();
            assert_eq!(failure.status, crate::error::EXIT_USAGE, "{bad}");
            assert!(!failure.hints.is_empty(), "{bad}");
        }
    }
}

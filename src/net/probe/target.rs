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

/// Checks the arguments and resolves the target.
pub fn resolve(args: &ProbeArgs) -> Result<Target, Failure> {
    if args.ipv4 && args.ipv6 {
        return Err(Failure::usage(t!("probe.both_families")).hint(t!("probe.both_families_hint")));
    }
    if let Some(timeout) = args.timeout
        && !(timeout.is_finite() && timeout > 0.0)
    {
        return Err(Failure::usage(t!("probe.bad_timeout", value = timeout))
            .hint(t!("probe.bad_timeout_hint")));
    }
    if args.unix {
        return unix_target(args).map(Target::Unix);
    }
    inet_target(args).map(Target::Inet)
}

fn unix_target(args: &ProbeArgs) -> Result<UnixTarget, Failure> {
    if let Some(port) = &args.port {
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

fn inet_target(args: &ProbeArgs) -> Result<InetTarget, Failure> {
    let transport = if args.udp { Transport::Udp } else { Transport::Tcp };
    let Some(port_text) = &args.port else {
        return Err(Failure::usage(t!("probe.missing_port"))
            .hint(t!("probe.missing_port_hint", host = args.target)));
    };
    let port = parse_port(port_text, transport)?;
    let addresses = resolve_host(&args.target, port, args)?;
    Ok(InetTarget { host: args.target.clone(), port, transport, addresses })
}

/// A port number, or a service name looked up in `/etc/services` for `transport`.
pub fn parse_port(text: &str, transport: Transport) -> Result<u16, Failure> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(0) => Err(Failure::usage(t!("probe.port_zero")).hint(t!("probe.port_range_hint"))),
            Ok(port) => u16::try_from(port).map_err(|_| too_large(text)),
            Err(_) => Err(too_large(text)),
        };
    }
    if let Some((low, high)) = text.split_once('-')
        && !low.is_empty()
        && [low, high].iter().all(|part| part.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Failure::usage(t!("probe.port_list", ports = text))
            .hint(t!("probe.port_list_hint", low = low)));
    }
    services::port(text, transport).ok_or_else(|| {
        Failure::usage(t!("probe.bad_port", port = text, proto = transport.as_str()))
            .hint(t!("probe.bad_port_hint"))
    })
}

fn too_large(text: &str) -> Failure {
    Failure::usage(t!("probe.port_too_large", port = text)).hint(t!("probe.port_range_hint"))
}

fn resolve_host(host: &str, port: u16, args: &ProbeArgs) -> Result<Vec<SocketAddr>, Failure> {
    let wanted = |addr: &SocketAddr| match (args.ipv4, args.ipv6) {
        (true, _) => addr.is_ipv4(),
        (_, true) => addr.is_ipv6(),
        _ => true,
    };
    let family_hint = || {
        if args.ipv4 { t!("probe.family_hint_v4") } else { t!("probe.family_hint_v6") }
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        let addr = SocketAddr::new(ip, port);
        if !wanted(&addr) {
            return Err(Failure::usage(t!("probe.wrong_family", host = host)).hint(family_hint()));
        }
        return Ok(vec![addr]);
    }
    if args.numeric {
        return Err(Failure::usage(t!("probe.numeric_name", host = host))
            .hint(t!("probe.numeric_name_hint")));
    }
    let found: Vec<SocketAddr> = match (host, port).to_socket_addrs() {
        Ok(found) => found.collect(),
        Err(err) => {
            return Err(Failure::usage(t!("probe.unresolved", host = host, reason = err))
                .hint(t!("probe.unresolved_hint")));
        }
    };
    let mut addresses: Vec<SocketAddr> = Vec::new();
    for addr in found.into_iter().filter(wanted) {
        if !addresses.contains(&addr) {
            addresses.push(addr);
        }
    }
    if addresses.is_empty() {
        return Err(Failure::usage(t!("probe.wrong_family", host = host)).hint(family_hint()));
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
        for bad in ["0", "65536", "99999999999", "", "8079-8080", "no-such-service-here"] {
            let failure = parse_port(bad, Transport::Tcp).unwrap_err();
            assert_eq!(failure.status, crate::error::EXIT_USAGE, "{bad}");
            assert!(!failure.hints.is_empty(), "{bad}");
        }
    }
}

//! socat's address grammar, for the tutorial's six listener addresses and `UDP*-RECVFROM`.
//!
//! An address is `TYPE:PARAMETER` followed by `,OPTION` or `,OPTION=VALUE` items, as socat
//! writes them: `TCP4-LISTEN:8080,fork`, `UNIX-RECVFROM:/tmp/datagram.sock,perm=0600,fork`,
//! `UDP4-RECVFROM:123,fork`. Type and
//! option names are case-insensitive, the short forms socat knows (`TCP4-L`, `UNIX-L`, …) are
//! accepted, and so are the unversioned `TCP-LISTEN` / `UDP-LISTEN`, which mean IPv4 unless
//! `pf=ip6` or an IPv6 `bind=` says otherwise (as in socat 1.7). Where socat would refuse an
//! address, so does socklab, with what is wrong and the accepted forms; socklab is stricter in
//! three places, each explained when it happens: Unix paths must be absolute (the file socklab
//! creates, and later removes, must be unambiguous), ports above 65535 are refused rather than
//! wrapped around, and `backlog` is refused on datagram sockets, which have no accept queue.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::Failure;
use crate::net::services::{self, Transport};
use crate::t;

use super::{ListenKind, ListenSpec, ListenTarget, SocketFileOptions};

/// The longest Unix socket path: `sun_path` has 108 bytes, one of them for the closing NUL.
pub const MAX_PATH_BYTES: usize = 107;

/// The family of an address type, before the IP version is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Tcp,
    Udp,
    /// `UDP*-RECVFROM`: a UDP socket that answers each datagram with `sendto`.
    UdpRecvfrom,
    UnixStream,
    UnixDatagram,
}

/// An IP version, from the type name (`TCP4-…`), `pf=` or the `bind=` address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V4,
    V6,
}

/// socat's names (and short forms) of the listener address types.
const TYPE_NAMES: &[(&str, Base, Option<Version>)] = &[
    ("tcp-listen", Base::Tcp, None),
    ("tcp-l", Base::Tcp, None),
    ("tcp4-listen", Base::Tcp, Some(Version::V4)),
    ("tcp4-l", Base::Tcp, Some(Version::V4)),
    ("tcp6-listen", Base::Tcp, Some(Version::V6)),
    ("tcp6-l", Base::Tcp, Some(Version::V6)),
    ("udp-listen", Base::Udp, None),
    ("udp-l", Base::Udp, None),
    ("udp4-listen", Base::Udp, Some(Version::V4)),
    ("udp4-l", Base::Udp, Some(Version::V4)),
    ("udp6-listen", Base::Udp, Some(Version::V6)),
    ("udp6-l", Base::Udp, Some(Version::V6)),
    ("udp-recvfrom", Base::UdpRecvfrom, None),
    ("udp4-recvfrom", Base::UdpRecvfrom, Some(Version::V4)),
    ("udp6-recvfrom", Base::UdpRecvfrom, Some(Version::V6)),
    ("unix-listen", Base::UnixStream, None),
    ("unix-l", Base::UnixStream, None),
    ("unix-recvfrom", Base::UnixDatagram, None),
];

/// The value of `bind=`, kept as written until the IP version is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BindValue {
    Ip(IpAddr),
    /// `localhost`: the loopback address of whichever version the socket has.
    Localhost,
}

/// The options of one address, as given.
#[derive(Debug, Default)]
struct Options {
    fork: bool,
    bind: Option<BindValue>,
    backlog: Option<i32>,
    reuseaddr: Option<bool>,
    ipv6only: Option<bool>,
    unlink_early: bool,
    pf: Option<Version>,
    perm: Option<u32>,
    user: Option<u32>,
    group: Option<u32>,
}

/// Parses one socat listener address.
pub(super) fn parse(address: &str) -> Result<ListenSpec, Failure> {
    let syntax = |message: String| syntax_error(message);
    let type_end = address.find([':', ',']).unwrap_or(address.len());
    let type_name = &address[..type_end];
    let lowered = type_name.to_ascii_lowercase();
    let Some(&(_, base, version)) = TYPE_NAMES.iter().find(|(name, _, _)| *name == lowered) else {
        return Err(syntax(t!("listen.syntax.unknown_type", address = address, kind = type_name)));
    };
    let param_what = match base {
        Base::Tcp | Base::Udp | Base::UdpRecvfrom => t!("listen.syntax.word_port"),
        Base::UnixStream | Base::UnixDatagram => t!("listen.syntax.word_path"),
    };
    let missing = || {
        syntax(t!(
            "listen.syntax.missing_param",
            address = address,
            kind = type_name,
            what = param_what
        ))
    };
    let rest = address[type_end..].strip_prefix(':').ok_or_else(missing)?;
    let mut items = rest.split(',');
    let param = items.next().unwrap_or_default();
    if param.is_empty() {
        return Err(missing());
    }
    let mut options = Options::default();
    // socat skips empty items, as in a trailing comma.
    for item in items.filter(|item| !item.is_empty()) {
        parse_option(address, type_name, item, &mut options)?;
    }

    let version = match (base, version, options.pf) {
        (Base::Tcp | Base::Udp | Base::UdpRecvfrom, Some(_), Some(_))
        | (Base::UnixStream | Base::UnixDatagram, _, Some(_)) => {
            return Err(not_here(address, "pf", type_name, t!("listen.syntax.why_pf")));
        }
        (_, Some(version), None) | (_, None, Some(version)) => version,
        (_, None, None) => match options.bind {
            Some(BindValue::Ip(IpAddr::V6(_))) => Version::V6,
            _ => Version::V4,
        },
    };
    let kind = match (base, version) {
        (Base::Tcp, Version::V4) => ListenKind::Tcp4,
        (Base::Tcp, Version::V6) => ListenKind::Tcp6,
        (Base::Udp | Base::UdpRecvfrom, Version::V4) => ListenKind::Udp4,
        (Base::Udp | Base::UdpRecvfrom, Version::V6) => ListenKind::Udp6,
        (Base::UnixStream, _) => ListenKind::UnixStream,
        (Base::UnixDatagram, _) => ListenKind::UnixDatagram,
    };
    let target = match base {
        Base::Tcp => ListenTarget::Port(parse_port(address, param, Transport::Tcp)?),
        Base::Udp | Base::UdpRecvfrom => {
            ListenTarget::Port(parse_port(address, param, Transport::Udp)?)
        }
        Base::UnixStream | Base::UnixDatagram => ListenTarget::Path(PathBuf::from(param)),
    };
    let bind = options.bind.map(|bind| match (bind, version) {
        (BindValue::Ip(ip), _) => ip,
        (BindValue::Localhost, Version::V4) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        (BindValue::Localhost, Version::V6) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    });
    let spec = ListenSpec {
        kind,
        target,
        bind,
        backlog: options.backlog,
        reuseaddr: options.reuseaddr,
        ipv6only: options.ipv6only,
        fork: options.fork,
        unlink_early: options.unlink_early,
        recvfrom: base == Base::UdpRecvfrom,
        file: SocketFileOptions { perm: options.perm, user: options.user, group: options.group },
    };
    validate(&spec, address, type_name)?;
    Ok(spec)
}

/// Checks a spec that may have been built by hand, with the rules `parse` applies.
pub(super) fn check(spec: &ListenSpec) -> Result<(), Failure> {
    validate(spec, &spec.to_string(), spec.type_name())
}

/// The rules that tie options to address types, and the rules for paths.
fn validate(spec: &ListenSpec, address: &str, type_name: &str) -> Result<(), Failure> {
    let kind = spec.kind;
    if spec.ipv6only.is_some() && !kind.is_ipv6() {
        return Err(not_here(address, "ipv6only", type_name, t!("listen.syntax.why_ipv6only")));
    }
    if spec.unlink_early && !kind.is_unix() {
        return Err(not_here(
            address,
            "unlink-early",
            type_name,
            t!("listen.syntax.why_unlink_early"),
        ));
    }
    if !kind.is_unix() {
        let file = &spec.file;
        for (given, option) in [(file.perm, "perm"), (file.user, "user"), (file.group, "group")] {
            if given.is_some() {
                return Err(not_here(address, option, type_name, t!("listen.syntax.why_file")));
            }
        }
    }
    if spec.recvfrom && !matches!(kind, ListenKind::Udp4 | ListenKind::Udp6) {
        return Err(syntax_error(t!(
            "listen.syntax.unknown_type",
            address = address,
            kind = type_name
        )));
    }
    if let Some(perm) = spec.file.perm.filter(|perm| *perm > 0o7777) {
        return Err(syntax_error(t!(
            "listen.syntax.option_value",
            address = address,
            option = "perm",
            value = format!("{perm:o}"),
            wanted = t!("listen.syntax.want_mode")
        )));
    }
    if spec.backlog.is_some() && !kind.is_stream() {
        return Err(not_here(address, "backlog", type_name, t!("listen.syntax.why_backlog")));
    }
    if let Some(backlog) = spec.backlog.filter(|backlog| *backlog < 0) {
        return Err(syntax_error(t!(
            "listen.syntax.option_value",
            address = address,
            option = "backlog",
            value = backlog,
            wanted = t!("listen.syntax.want_number")
        )));
    }
    if let Some(ip) = spec.bind {
        if kind.is_unix() {
            return Err(not_here(address, "bind", type_name, t!("listen.syntax.why_bind")));
        }
        if ip.is_ipv6() != kind.is_ipv6() {
            let (family, want) = if ip.is_ipv6() { ("IPv6", "IPv4") } else { ("IPv4", "IPv6") };
            return Err(syntax_error(t!(
                "listen.syntax.bind_family",
                address = address,
                ip = ip,
                family = family,
                kind = type_name,
                want = want
            )));
        }
    }
    match (&spec.target, kind.is_unix()) {
        (ListenTarget::Path(path), true) => check_path(address, path),
        (ListenTarget::Port(_), false) => Ok(()),
        (ListenTarget::Path(_), false) | (ListenTarget::Port(_), true) => {
            let what = if kind.is_unix() {
                t!("listen.syntax.word_path")
            } else {
                t!("listen.syntax.word_port")
            };
            Err(syntax_error(t!(
                "listen.syntax.missing_param",
                address = address,
                kind = type_name,
                what = what
            )))
        }
    }
}

/// A Unix socket path must be absolute, free of NUL bytes and fit in `sun_path`. This is
/// checked before any syscall.
fn check_path(address: &str, path: &Path) -> Result<(), Failure> {
    let bytes = path.as_os_str().as_bytes();
    if bytes.is_empty() {
        let what = t!("listen.syntax.word_path");
        return Err(syntax_error(t!(
            "listen.syntax.missing_param",
            address = address,
            kind = "UNIX",
            what = what
        )));
    }
    if bytes.contains(&0) {
        return Err(syntax_error(t!("listen.syntax.path_nul", address = address)));
    }
    if !path.is_absolute() {
        return Err(syntax_error(t!(
            "listen.syntax.path_relative",
            address = address,
            path = path.display()
        )));
    }
    if bytes.len() > MAX_PATH_BYTES {
        return Err(Failure::usage(t!(
            "listen.syntax.path_too_long",
            path = path.display(),
            len = bytes.len(),
            max = MAX_PATH_BYTES
        ))
        .hint(t!("listen.syntax.path_too_long_hint")));
    }
    Ok(())
}

fn parse_option(
    address: &str,
    type_name: &str,
    item: &str,
    options: &mut Options,
) -> Result<(), Failure> {
    let (name, value) = match item.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (item, None),
    };
    let lowered = name.to_ascii_lowercase();
    let flag = |wanted_default: bool| parse_flag(address, name, value, wanted_default);
    match lowered.as_str() {
        "fork" => options.fork = flag(true)?,
        "unlink-early" => options.unlink_early = flag(true)?,
        "reuseaddr" | "so-reuseaddr" => {
            // socat 1.8: an empty value means "do not set it".
            options.reuseaddr = Some(if value == Some("") { false } else { flag(true)? });
        }
        "ipv6only" | "ipv6-v6only" => options.ipv6only = Some(flag(true)?),
        "perm" | "mode" => {
            let value = needs_value(address, name, value, "perm=0600")?;
            let mode = u32::from_str_radix(value, 8)
                .ok()
                .filter(|mode| *mode <= 0o7777)
                .ok_or_else(|| bad_value(address, name, value, t!("listen.syntax.want_mode")))?;
            options.perm = Some(mode);
        }
        "user" | "owner" | "uid" => {
            let value = needs_value(address, name, value, "user=nobody")?;
            let uid = value.parse::<u32>().ok().or_else(|| {
                nix::unistd::User::from_name(value).ok().flatten().map(|user| user.uid.as_raw())
            });
            options.user =
                Some(uid.ok_or_else(|| {
                    bad_value(address, name, value, t!("listen.syntax.want_user"))
                })?);
        }
        "group" | "gid" => {
            let value = needs_value(address, name, value, "group=nogroup")?;
            let gid = value.parse::<u32>().ok().or_else(|| {
                nix::unistd::Group::from_name(value).ok().flatten().map(|group| group.gid.as_raw())
            });
            options.group =
                Some(gid.ok_or_else(|| {
                    bad_value(address, name, value, t!("listen.syntax.want_group"))
                })?);
        }
        "backlog" => {
            let value = needs_value(address, name, value, "backlog=10")?;
            let backlog = value
                .parse::<i32>()
                .map_err(|_| bad_value(address, name, value, t!("listen.syntax.want_number")))?;
            options.backlog = Some(backlog);
        }
        "bind" => {
            let value = needs_value(address, name, value, "bind=127.0.0.1")?;
            options.bind = Some(
                parse_bind(value)
                    .ok_or_else(|| bad_value(address, name, value, t!("listen.syntax.want_ip")))?,
            );
        }
        "pf" | "protocol-family" => {
            let value = needs_value(address, name, value, "pf=ip6")?;
            options.pf = Some(match value.to_ascii_lowercase().as_str() {
                "ip4" | "ipv4" | "inet" | "2" => Version::V4,
                "ip6" | "ipv6" | "inet6" | "10" => Version::V6,
                _ => return Err(bad_value(address, name, value, t!("listen.syntax.want_pf"))),
            });
        }
        _ => {
            return Err(syntax_error(t!(
                "listen.syntax.unknown_option",
                address = address,
                option = name,
                kind = type_name
            )));
        }
    }
    Ok(())
}

/// A boolean option: bare means `bare`; a value is a number, 0 meaning off (as socat reads it).
fn parse_flag(address: &str, name: &str, value: Option<&str>, bare: bool) -> Result<bool, Failure> {
    match value {
        None => Ok(bare),
        Some(text) => text
            .parse::<u64>()
            .map(|number| number != 0)
            .map_err(|_| bad_value(address, name, text, t!("listen.syntax.want_bool"))),
    }
}

fn needs_value<'a>(
    address: &str,
    name: &str,
    value: Option<&'a str>,
    example: &str,
) -> Result<&'a str, Failure> {
    value.filter(|value| !value.is_empty()).ok_or_else(|| {
        syntax_error(t!(
            "listen.syntax.option_needs_value",
            address = address,
            option = name,
            example = example
        ))
    })
}

/// `bind=` takes an IP address, IPv6 with or without brackets, or `localhost`.
fn parse_bind(value: &str) -> Option<BindValue> {
    if value.eq_ignore_ascii_case("localhost") {
        return Some(BindValue::Localhost);
    }
    let bare = value.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).unwrap_or(value);
    bare.parse().ok().map(BindValue::Ip)
}

/// A port number, or a service name from `/etc/services` as socat also accepts.
fn parse_port(address: &str, text: &str, transport: Transport) -> Result<u16, Failure> {
    if text.bytes().all(|byte| byte.is_ascii_digit()) {
        return text.parse::<u16>().map_err(|_| {
            syntax_error(t!("listen.syntax.port_range", address = address, port = text))
        });
    }
    services::port(text, transport)
        .ok_or_else(|| syntax_error(t!("listen.syntax.bad_port", address = address, port = text)))
}

fn bad_value(address: &str, name: &str, value: &str, wanted: String) -> Failure {
    syntax_error(t!(
        "listen.syntax.option_value",
        address = address,
        option = name,
        value = value,
        wanted = wanted
    ))
}

fn not_here(address: &str, option: &str, type_name: &str, why: String) -> Failure {
    syntax_error(t!(
        "listen.syntax.option_not_here",
        address = address,
        option = option,
        kind = type_name,
        why = why
    ))
}

/// A usage error, followed by the forms socklab accepts.
fn syntax_error(message: String) -> Failure {
    Failure::usage(message)
        .hint(t!("listen.syntax.accepted_forms"))
        .hint(t!("listen.syntax.accepted_options"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(address: &str) -> ListenSpec {
        parse(address).unwrap_or_else(|failure| panic!("{address}: {failure}"))
    }

    fn refusal(address: &str) -> String {
        match parse(address) {
            Ok(spec) => panic!("{address} was accepted as {spec:?}"),
            Err(failure) => {
                assert_eq!(failure.status, crate::error::EXIT_USAGE, "{failure}");
                failure.to_string()
            }
        }
    }

    #[test]
    fn reads_the_six_tutorial_addresses() {
        let tcp4 = spec("TCP4-LISTEN:8080,fork");
        assert_eq!(
            (tcp4.kind, &tcp4.target, tcp4.fork),
            (ListenKind::Tcp4, &ListenTarget::Port(8080), true)
        );
        let tcp6 = spec("TCP6-LISTEN:8080,ipv6only=1,fork");
        assert_eq!((tcp6.kind, tcp6.ipv6only, tcp6.fork), (ListenKind::Tcp6, Some(true), true));
        assert_eq!(spec("UDP4-LISTEN:123,fork").kind, ListenKind::Udp4);
        let udp6 = spec("UDP6-LISTEN:123,ipv6only=1,fork");
        assert_eq!(
            (udp6.kind, &udp6.target, udp6.ipv6only),
            (ListenKind::Udp6, &ListenTarget::Port(123), Some(true))
        );
        let stream = spec("UNIX-LISTEN:/tmp/stream.sock,fork");
        assert_eq!(
            (stream.kind, stream.target),
            (ListenKind::UnixStream, ListenTarget::Path("/tmp/stream.sock".into()))
        );
        let dgram = spec("UNIX-RECVFROM:/tmp/datagram.sock,fork");
        assert_eq!(dgram.kind, ListenKind::UnixDatagram);
        assert!(dgram.fork);
    }

    #[test]
    fn names_are_case_insensitive_and_short_forms_work() {
        assert_eq!(spec("tcp4-listen:0,FORK"), spec("TCP4-L:0,fork"));
        assert_eq!(spec("unix-l:/tmp/x.sock").kind, ListenKind::UnixStream);
        assert_eq!(spec("Udp6-L:9,IPv6-V6Only=0").ipv6only, Some(false));
        assert_eq!(spec("TCP-LISTEN:80").kind, ListenKind::Tcp4);
        assert_eq!(spec("tcp-l:80,pf=ip6").kind, ListenKind::Tcp6);
        assert_eq!(spec("UDP-LISTEN:80,bind=[::1]").kind, ListenKind::Udp6);
        assert_eq!(spec("UDP-LISTEN:80").kind, ListenKind::Udp4);
    }

    #[test]
    fn reads_every_option() {
        let spec = spec("TCP6-LISTEN:0,bind=[::1],backlog=1,reuseaddr,ipv6only,fork,");
        assert_eq!(spec.bind, Some("::1".parse().unwrap()));
        assert_eq!(spec.backlog, Some(1));
        assert_eq!(spec.reuseaddr, Some(true));
        assert_eq!(spec.ipv6only, Some(true));
        assert_eq!(
            super::parse("TCP4-LISTEN:1,bind=localhost").unwrap().bind,
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            super::parse("TCP6-LISTEN:1,bind=localhost").unwrap().bind,
            Some("::1".parse().unwrap())
        );
        assert_eq!(super::parse("TCP4-LISTEN:1,reuseaddr=").unwrap().reuseaddr, Some(false));
        assert!(super::parse("UNIX-LISTEN:/tmp/a,unlink-early").unwrap().unlink_early);
        assert!(!super::parse("UNIX-LISTEN:/tmp/a,fork=0").unwrap().fork);
    }

    #[test]
    fn writes_itself_back_as_socat_would() {
        for address in [
            "TCP4-LISTEN:8080,fork",
            "TCP6-LISTEN:8080,ipv6only=1,fork",
            "UDP4-LISTEN:123,fork",
            "UNIX-RECVFROM:/tmp/datagram.sock,fork",
            "TCP6-LISTEN:0,bind=[::1],backlog=1,reuseaddr=0,ipv6only=0",
            "UNIX-LISTEN:/tmp/stream.sock,unlink-early,fork",
        ] {
            assert_eq!(spec(address).to_string(), address);
            assert_eq!(spec(&spec(address).to_string()), spec(address));
        }
        assert_eq!(spec("tcp-l:80,FORK").to_string(), "TCP4-LISTEN:80,fork");
    }

    #[test]
    fn refuses_what_socat_refuses_and_says_why() {
        let cases: &[(&str, &str)] = &[
            ("TCP5-LISTEN:80", "`TCP5-LISTEN` is not"),
            ("TCP4:127.0.0.1:80", "`TCP4` is not"),
            ("TCP4-LISTEN", "needs a port"),
            ("TCP4-LISTEN:", "needs a port"),
            ("TCP4-LISTEN:,fork", "needs a port"),
            ("UNIX-LISTEN", "needs a socket path"),
            ("TCP4-LISTEN:65536", "65536 is out of range"),
            ("TCP4-LISTEN:99999999999999999999", "out of range"),
            ("TCP4-LISTEN:no-such-service-here", "neither a port number nor a service"),
            ("TCP4-LISTEN:80,forks", "`forks` is not an option"),
            ("TCP4-LISTEN:80,ipv6only=1", "ipv6only"),
            ("UDP4-LISTEN:80,ipv6only", "only exists for IPv6"),
            ("UNIX-LISTEN:/tmp/a,ipv6only", "ipv6only"),
            ("TCP4-LISTEN:80,unlink-early", "unlink-early"),
            ("UDP4-LISTEN:80,backlog=3", "backlog"),
            ("UNIX-RECVFROM:/tmp/a,backlog=3", "no queue"),
            ("TCP4-LISTEN:80,backlog=-1", "`-1`"),
            ("TCP4-LISTEN:80,backlog", "needs a value"),
            ("TCP4-LISTEN:80,backlog=many", "`many`"),
            ("TCP4-LISTEN:80,bind=[::1]", "IPv6 address"),
            ("TCP6-LISTEN:80,bind=127.0.0.1", "IPv4 address"),
            ("TCP4-LISTEN:80,bind=not.an.ip", "IP address"),
            ("TCP4-LISTEN:80,fork=yes", "0 or 1"),
            ("TCP4-LISTEN:80,pf=ip6", "pf"),
            ("UNIX-LISTEN:/tmp/a,bind=127.0.0.1", "bind"),
            ("UNIX-LISTEN:relative.sock", "relative path"),
        ];
        for (address, fragment) in cases {
            let text = refusal(address);
            assert!(text.contains(fragment), "{address}: expected {fragment:?} in\n{text}");
            assert!(text.contains("TCP4-LISTEN:PORT"), "{address}: no accepted forms in\n{text}");
            assert!(
                text.contains("UNIX-RECVFROM:/PATH"),
                "{address}: no accepted forms in\n{text}"
            );
        }
    }

    #[test]
    fn path_limit_is_107_bytes() {
        let fits = format!("/{}", "a".repeat(MAX_PATH_BYTES - 1));
        assert_eq!(spec(&format!("UNIX-LISTEN:{fits}")).target, ListenTarget::Path(fits.into()));
        let long = format!("/{}", "a".repeat(MAX_PATH_BYTES));
        let text = refusal(&format!("UNIX-LISTEN:{long}"));
        assert!(text.contains("108 bytes") && text.contains("at most 107"), "{text}");
    }

    #[test]
    fn hand_built_specs_are_checked_too() {
        let mut spec = ListenSpec::new(ListenKind::Tcp4, ListenTarget::Port(0));
        spec.bind = Some("::1".parse().unwrap());
        assert!(check(&spec).is_err());
        let spec = ListenSpec::new(ListenKind::UnixStream, ListenTarget::Port(0));
        assert!(check(&spec).is_err());
        let spec = ListenSpec::new(ListenKind::UnixDatagram, ListenTarget::Path("/tmp/\0x".into()));
        assert!(check(&spec).unwrap_err().message.contains("NUL"));
    }
}

//! A socket as the kernel shows it, reduced to the facts an exercise can ask about, and the
//! comparison of those facts with the exercise's, one by one.
//!
//! Facts are compared as values (an address is an address, a mode is a number), so spacing,
//! spelling or the order of ss's rows never matter. A fact the kernel did not report (the
//! backlog and ipv6only when socket tables come from /proc/net instead of netlink) is
//! *unknown*, which is neither a pass nor a fail.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::lesson::exercise::{Facts, Family, Owner, SocketKind, State};
use crate::net::inspect::{Endpoint, Netid, SockState, SocketRow, UnixName};
use crate::net::stat::FileStat;
use crate::t;

/// The facts of one socket found at an exercise's port or path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: SocketKind,
    pub family: Option<Family>,
    pub address: Option<IpAddr>,
    pub port: Option<u16>,
    pub path: Option<PathBuf>,
    pub state: SockState,
    /// IPV6_V6ONLY of an IPv6 socket, when the kernel said.
    pub ipv6only: Option<bool>,
    /// A listener's backlog, when the kernel said.
    pub backlog: Option<u32>,
    /// The socket file's permission bits and owner (Unix sockets bound to a path).
    pub file: Option<(u32, u32)>,
    /// The socket's owner as the socket tables say (TCP and UDP).
    pub uid: Option<u32>,
    pub inode: u64,
}

/// How one fact compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    Same,
    Differs {
        expected: String,
        found: String,
    },
    /// The kernel did not say (why, in words).
    Unknown(String),
}

/// One fact's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactCheck {
    pub name: &'static str,
    pub comparison: Comparison,
}

impl Found {
    /// The facts of a row from the socket tables; `file` is the socket file's stat (for a
    /// Unix socket bound to a path); `exact` says whether the tables came from netlink, which
    /// reports backlog and ipv6only (/proc/net does not).
    pub fn from_row(row: &SocketRow, file: Option<&FileStat>, exact: bool) -> Self {
        let kind = match row.netid {
            Netid::Tcp => SocketKind::Tcp,
            Netid::Udp => SocketKind::Udp,
            Netid::UnixStream => SocketKind::UnixStream,
            Netid::UnixDgram => SocketKind::UnixDatagram,
            Netid::UnixSeqpacket => SocketKind::UnixSeqpacket,
        };
        let (address, port, path) = match &row.local {
            Endpoint::Inet { addr, port } => (Some(*addr), Some(*port), None),
            Endpoint::Unix { name: UnixName::Path(path), .. } => (None, None, Some(path.clone())),
            Endpoint::Unix { .. } => (None, None, None),
        };
        let family = address.map(Family::of);
        let listening = row.state == SockState::Listen;
        Self {
            kind,
            family,
            address,
            port,
            path,
            state: row.state,
            ipv6only: if exact { row.v6only } else { None },
            backlog: (listening && exact).then_some(row.send_q),
            file: file.map(|stat| (stat.permissions(), stat.uid)),
            uid: row.uid,
            inode: row.inode,
        }
    }

    /// The state in an exercise's terms.
    pub fn state(&self) -> State {
        match self.state {
            SockState::Listen => State::Listening,
            SockState::Unconnected => State::Unconnected,
            _ => State::Other,
        }
    }

    /// Whether this is an IPv6 wildcard socket that takes IPv4 too (ss shows it as `*`).
    fn dual_stack(&self) -> bool {
        self.ipv6only == Some(false)
            && self.address.is_some_and(|a| a.is_ipv6() && a.is_unspecified())
    }

    /// The owner: the file's for a Unix socket bound to a path, else the socket's.
    pub fn owner_uid(&self) -> Option<u32> {
        self.file.map(|(_, uid)| uid).or(self.uid)
    }

    /// One line saying what was found, as ss would name it: `TCP LISTEN on [::]:9090 (IPv6
    /// only)`, `Unix datagram UNCONN at /tmp/x.sock (mode 0755, owner alice)`.
    pub fn describe(&self) -> String {
        let state = self.state.to_string();
        match (&self.address, self.port, &self.path) {
            (Some(address), Some(port), _) => {
                let shown = if self.dual_stack() {
                    format!("*:{port}")
                } else if address.is_ipv6() {
                    format!("[{address}]:{port}")
                } else {
                    format!("{address}:{port}")
                };
                let mut text = t!(
                    "exercise.found_inet",
                    kind = kind_label(self.kind),
                    state = state,
                    address = shown
                );
                match self.ipv6only {
                    Some(true) => text.push_str(&t!("exercise.found_ipv6_only")),
                    Some(false) if address.is_ipv6() => {
                        text.push_str(&t!("exercise.found_dual_stack"))
                    }
                    _ => {}
                }
                text
            }
            (_, _, path) => {
                let path =
                    path.as_ref().map_or_else(|| "?".to_owned(), |p| p.display().to_string());
                let mut text = t!(
                    "exercise.found_unix",
                    kind = kind_label(self.kind),
                    state = state,
                    path = path
                );
                if let Some((mode, uid)) = self.file {
                    text.push_str(&t!(
                        "exercise.found_file",
                        mode = format!("{mode:04o}"),
                        owner = user_label(uid)
                    ));
                }
                text
            }
        }
    }

    /// Compares every fact `expect` names (but its port and path, which is where this socket
    /// was found), in a fixed order.
    pub fn compare(&self, expect: &Facts, you: u32) -> Vec<FactCheck> {
        let mut checks = Vec::new();
        let mut push = |name: &'static str, comparison: Comparison| {
            checks.push(FactCheck { name, comparison });
        };
        if let Some(kind) = expect.kind {
            push("kind", same_or(kind == self.kind, kind.name(), self.kind.name()));
        }
        if let Some(family) = expect.family {
            let found =
                self.family.map_or_else(|| t!("exercise.value_none"), |f| f.name().to_owned());
            push("family", same_or(Some(family) == self.family, family.name(), &found));
        }
        if let Some(address) = expect.address {
            let found = self.address.map_or_else(|| t!("exercise.value_none"), |a| a.to_string());
            push("address", same_or(Some(address) == self.address, &address.to_string(), &found));
        }
        if let Some(state) = expect.state {
            push("state", same_or(state == self.state(), state.name(), &state_value(self)));
        }
        if let Some(ipv6only) = expect.ipv6only {
            let comparison = match (self.family, self.ipv6only) {
                (Some(Family::Ipv6), Some(found)) => {
                    same_or(ipv6only == found, &ipv6only.to_string(), &found.to_string())
                }
                (Some(Family::Ipv6), None) => Comparison::Unknown(t!("exercise.unknown_from_proc")),
                _ => Comparison::Differs {
                    expected: ipv6only.to_string(),
                    found: t!("exercise.value_not_ipv6"),
                },
            };
            push("ipv6only", comparison);
        }
        if let Some(backlog) = expect.backlog {
            let comparison = match self.backlog {
                Some(found) => same_or(backlog == found, &backlog.to_string(), &found.to_string()),
                None if self.state == SockState::Listen => {
                    Comparison::Unknown(t!("exercise.unknown_from_proc"))
                }
                None => Comparison::Differs {
                    expected: backlog.to_string(),
                    found: t!("exercise.value_not_listening"),
                },
            };
            push("backlog", comparison);
        }
        if let Some(mode) = expect.mode {
            let expected = format!("{mode:04o}");
            let comparison = match self.file {
                Some((found, _)) => same_or(mode == found, &expected, &format!("{found:04o}")),
                None => Comparison::Differs { expected, found: t!("exercise.value_no_file") },
            };
            push("mode", comparison);
        }
        if let Some(owner) = expect.owner {
            let wanted = match owner {
                Owner::You => you,
                Owner::Root => 0,
            };
            let expected = match owner {
                Owner::You => t!("exercise.value_you", user = user_label(you)),
                Owner::Root => user_label(0),
            };
            let comparison = match self.owner_uid() {
                Some(uid) => same_or(uid == wanted, &expected, &user_label(uid)),
                None => Comparison::Unknown(t!("exercise.unknown_owner")),
            };
            push("owner", comparison);
        }
        checks
    }

    /// Whether this socket has every fact of `when` (a mistake rule's condition).
    pub fn has(&self, when: &Facts, you: u32) -> bool {
        self.compare(when, you).iter().all(|check| check.comparison == Comparison::Same)
    }
}

fn same_or(same: bool, expected: &str, found: &str) -> Comparison {
    if same {
        Comparison::Same
    } else {
        Comparison::Differs { expected: expected.to_owned(), found: found.to_owned() }
    }
}

fn state_value(found: &Found) -> String {
    match found.state() {
        State::Other => found.state.to_string(),
        state => state.name().to_owned(),
    }
}

/// A user as `ls -l` would name them, with the uid: `alice (uid 1000)`.
pub fn user_label(uid: u32) -> String {
    match crate::net::stat::accounts::user_name(uid) {
        Some(name) => format!("{name} (uid {uid})"),
        None => format!("uid {uid}"),
    }
}

/// The socket kind as a student reads it.
pub fn kind_label(kind: SocketKind) -> String {
    match kind {
        SocketKind::Tcp => t!("exercise.kind_tcp"),
        SocketKind::Udp => t!("exercise.kind_udp"),
        SocketKind::UnixStream => t!("exercise.kind_unix_stream"),
        SocketKind::UnixDatagram => t!("exercise.kind_unix_datagram"),
        SocketKind::UnixSeqpacket => t!("exercise.kind_unix_seqpacket"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn listener(v6only: Option<bool>) -> Found {
        Found {
            kind: SocketKind::Tcp,
            family: Some(Family::Ipv6),
            address: Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            port: Some(9090),
            path: None,
            state: SockState::Listen,
            ipv6only: v6only,
            backlog: Some(5),
            file: None,
            uid: Some(1000),
            inode: 7,
        }
    }

    fn v6only_listener() -> Facts {
        Facts {
            kind: Some(SocketKind::Tcp),
            family: Some(Family::Ipv6),
            state: Some(State::Listening),
            ipv6only: Some(true),
            ..Facts::default()
        }
    }

    #[test]
    fn a_dual_stack_listener_differs_in_ipv6only_only() {
        let checks = listener(Some(false)).compare(&v6only_listener(), 1000);
        let differing: Vec<_> =
            checks.iter().filter(|c| c.comparison != Comparison::Same).map(|c| c.name).collect();
        assert_eq!(differing, ["ipv6only"]);
        assert!(listener(Some(false)).describe().starts_with("TCP LISTEN on *:9090"));
        assert!(listener(Some(true)).describe().starts_with("TCP LISTEN on [::]:9090"));
    }

    #[test]
    fn an_unknown_fact_is_neither_same_nor_different() {
        let checks = listener(None).compare(&v6only_listener(), 1000);
        assert!(matches!(checks[3].comparison, Comparison::Unknown(_)), "{checks:?}");
    }

    #[test]
    fn mistakes_match_on_every_fact_of_their_condition() {
        let when = Facts { ipv6only: Some(false), ..Facts::default() };
        assert!(listener(Some(false)).has(&when, 1000));
        assert!(!listener(Some(true)).has(&when, 1000));
        let owner = Facts { owner: Some(Owner::You), ..Facts::default() };
        assert!(listener(Some(true)).has(&owner, 1000));
        assert!(!listener(Some(true)).has(&owner, 0));
    }
}

//! What a TCP connection from one host to another gets, as an exercise grades it: connected,
//! refused at once (a reset: a closed port, or a firewall that rejects), no answer before the
//! wait is over (a firewall that drops), or another error the kernel reports (an ICMP
//! "unreachable" of another kind, no route).
//!
//! The connection is made from a thread inside the probing host's namespace (see
//! [`super::Host::run`]) and closed at once; nothing is sent over it.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use super::Host;

/// What a connection attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Connected,
    Refused,
    TimedOut,
    /// Another error, as the kernel words it.
    Other(String),
}

/// Connects from `from` to `address`:`port`, giving up after `wait`.
pub fn tcp(from: &Host, address: IpAddr, port: u16, wait: Duration) -> io::Result<Answer> {
    from.run(|| match TcpStream::connect_timeout(&SocketAddr::new(address, port), wait) {
        Ok(_) => Answer::Connected,
        Err(err) => match err.kind() {
            io::ErrorKind::ConnectionRefused => Answer::Refused,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Answer::TimedOut,
            _ => Answer::Other(err.to_string()),
        },
    })
}

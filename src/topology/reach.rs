//! What a probe from one host to another gets, as an exercise grades it. A TCP connection:
//! connected, refused at once (a reset: a closed port, or a firewall that rejects), no answer
//! before the wait is over (a firewall that drops), or another error the kernel reports (an
//! ICMP "unreachable" of another kind, no route). A UDP datagram, as `nc -u -z` sends one:
//! an answer, an ICMP port-unreachable error (refused: the port is closed), or silence
//! (open, or filtered: what nc reports as "succeeded").
//!
//! The probe is made from a thread inside the probing host's namespace (see
//! [`super::Host::run`]); a TCP connection is closed at once, with nothing sent over it.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
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

/// Sends one datagram from `from` to `address`:`port` and waits up to `wait` for an answer or
/// an error.
pub fn udp(from: &Host, address: IpAddr, port: u16, wait: Duration) -> io::Result<Answer> {
    from.run(|| {
        let any: IpAddr = if address.is_ipv4() {
            Ipv4Addr::UNSPECIFIED.into()
        } else {
            Ipv6Addr::UNSPECIFIED.into()
        };
        let socket = UdpSocket::bind(SocketAddr::new(any, 0))?;
        socket.connect(SocketAddr::new(address, port))?;
        socket.set_read_timeout(Some(wait))?;
        socket.send(b"X")?;
        let mut answer = [0; 512];
        Ok(match socket.recv(&mut answer) {
            Ok(_) => Answer::Connected,
            Err(err) => match err.kind() {
                io::ErrorKind::ConnectionRefused => Answer::Refused,
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Answer::TimedOut,
                _ => Answer::Other(err.to_string()),
            },
        })
    })?
}

//! One probe of one TCP or UDP address, the way nc -z does it.
//!
//! TCP: a handshake and nothing else (connect, then close). UDP has no handshake, so the probe
//! is a connected socket that sends one byte ("X", as nc does) and then listens for the ICMP
//! port-unreachable that a closed port sends back. Only a *connected* UDP socket is told of
//! that ICMP error (the kernel raises `ECONNREFUSED` on its next call); silence proves nothing.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::{Attempt, Phase, Verdict};

/// Connects to `addr` over TCP within `timeout`, then closes without sending anything.
pub fn tcp(addr: SocketAddr, timeout: Duration) -> Attempt {
    let started = Instant::now();
    let result = Socket::new(Domain::for_address(addr), Type::STREAM, None)
        .and_then(|socket| socket.connect_timeout(&addr.into(), timeout));
    let verdict = match result {
        Ok(()) => Verdict::Open,
        Err(err) => Verdict::from_connect_error(&err),
    };
    Attempt { address: addr, verdict, phase: Phase::Connect, elapsed: started.elapsed() }
}

/// Sends one datagram to `addr` from a connected UDP socket and waits up to `wait` for an
/// answer or an ICMP error.
pub fn udp(addr: SocketAddr, wait: Duration) -> Attempt {
    let started = Instant::now();
    let (verdict, phase) = udp_exchange(addr, wait);
    Attempt { address: addr, verdict, phase, elapsed: started.elapsed() }
}

fn udp_exchange(addr: SocketAddr, wait: Duration) -> (Verdict, Phase) {
    let local: SocketAddr = match addr {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = match UdpSocket::bind(local).and_then(|socket| {
        socket.connect(addr)?;
        Ok(socket)
    }) {
        Ok(socket) => socket,
        Err(err) => return (Verdict::from_connect_error(&err), Phase::Connect),
    };
    let answer = socket
        .send(b"X")
        .and_then(|_| socket.set_read_timeout(Some(wait)))
        .and_then(|()| socket.recv(&mut [0u8; 1]));
    let verdict = match answer {
        Ok(_) => Verdict::Open,
        Err(err) if matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            Verdict::OpenOrFiltered
        }
        Err(err) => Verdict::from_connect_error(&err),
    };
    (verdict, Phase::Datagram)
}

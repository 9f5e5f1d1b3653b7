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

/// How long a loopback UDP probe waits for the application's own answer once the kernel's
/// table shows a socket bound to receive the datagram (so that no ICMP error can come). A
/// service that answers on loopback does so within this; a silent one costs only this.
pub const LOOPBACK_REPLY_WAIT: Duration = Duration::from_millis(20);

/// Connects to `addr` over TCP within `timeout`, then closes without sending anything.
pub fn tcp(addr: SocketAddr, timeout: Duration) -> Attempt {
    let started = Instant::now();
    let result = Socket::new(Domain::for_address(addr), Type::STREAM, None)
        .and_then(|socket| socket.connect_timeout(&addr.into(), timeout));
    connected(addr, result, Verdict::Open, started)
}

/// The attempt that ends at `connect`: `success` when it worked, else what its error means.
fn connected(
    addr: SocketAddr,
    result: io::Result<()>,
    success: Verdict,
    started: Instant,
) -> Attempt {
    let verdict = match result {
        Ok(()) => success,
        Err(err) => Verdict::from_connect_error(&err),
    };
    Attempt {
        address: addr,
        verdict,
        phase: Phase::Connect,
        elapsed: started.elapsed(),
        receiver_bound: false,
    }
}

/// A UDP socket bound to the wildcard of `addr`'s family and connected to `addr` (which
/// sends nothing: UDP has no handshake).
fn udp_socket(addr: SocketAddr) -> io::Result<UdpSocket> {
    let local: SocketAddr = match addr {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(addr)?;
    Ok(socket)
}

/// Sends one datagram to `addr` from a connected UDP socket and waits up to `wait` for an
/// answer or an ICMP error.
///
/// With `ask_the_table` (a loopback target and no `-w`), socklab also reads the kernel's UDP
/// table once the datagram is sent and no error came back at once: when a socket is bound to
/// receive it, no port-unreachable can follow, so it only waits [`LOOPBACK_REPLY_WAIT`] for
/// the application's own answer. The verdict is the one waiting would give, sooner.
pub fn udp(addr: SocketAddr, wait: Duration, ask_the_table: bool) -> Attempt {
    let started = Instant::now();
    let (verdict, phase, receiver_bound) = udp_exchange(addr, wait, ask_the_table);
    Attempt { address: addr, verdict, phase, elapsed: started.elapsed(), receiver_bound }
}

/// What `nc -u -z` does without `-v`: a UDP socket connected to `addr` and nothing sent, so
/// nothing is learned but whether the kernel has a route. Debian's nc exits 0 after this
/// whatever is at the port; the verdict says the same (open or filtered: no error came).
pub fn udp_untested(addr: SocketAddr) -> Attempt {
    let started = Instant::now();
    connected(addr, udp_socket(addr).map(drop), Verdict::OpenOrFiltered, started)
}

/// Whether the kernel's UDP table holds an unconnected socket that a datagram to `addr` would
/// be delivered to: bound to its port, on its address or the wildcard of its family (or, for
/// IPv4, an IPv6 wildcard that is not IPv6-only).
fn bound_receiver(addr: SocketAddr) -> bool {
    use crate::net::inspect::{self, Endpoint, InspectArgs};
    let query = InspectArgs {
        udp: true,
        all: true,
        numeric: true,
        port: Some(addr.port()),
        ..InspectArgs::default()
    };
    let target = addr.ip().to_canonical();
    inspect::snapshot(&query).rows.iter().any(|row| {
        let unconnected = matches!(row.peer, Endpoint::Inet { port: 0, .. });
        let Endpoint::Inet { addr: local, port } = row.local else { return false };
        let local = local.to_canonical();
        let same_family = local.is_ipv4() == target.is_ipv4();
        let dual_stack = target.is_ipv4() && local.is_ipv6() && row.v6only == Some(false);
        let address_fits = (same_family && (local == target || local.is_unspecified()))
            || (dual_stack && local.is_unspecified());
        unconnected && port == addr.port() && address_fits
    })
}

fn udp_exchange(addr: SocketAddr, wait: Duration, ask_the_table: bool) -> (Verdict, Phase, bool) {
    let socket = match udp_socket(addr) {
        Ok(socket) => socket,
        Err(err) => return (Verdict::from_connect_error(&err), Phase::Connect, false),
    };
    if let Err(err) = socket.send(b"X") {
        return (Verdict::from_connect_error(&err), Phase::Datagram, false);
    }
    let mut wait = wait;
    let mut receiver_bound = false;
    if ask_the_table {
        // On loopback a closed port's error is usually already queued when send() returns.
        match socket.take_error() {
            Ok(Some(err)) => return (Verdict::from_connect_error(&err), Phase::Datagram, false),
            Ok(None) if bound_receiver(addr) => {
                receiver_bound = true;
                wait = LOOPBACK_REPLY_WAIT;
            }
            _ => {}
        }
    }
    let answer = socket.set_read_timeout(Some(wait)).and_then(|()| socket.recv(&mut [0u8; 1]));
    let verdict = match answer {
        Ok(_) => Verdict::Open,
        Err(err) if matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            Verdict::OpenOrFiltered
        }
        Err(err) => Verdict::from_connect_error(&err),
    };
    (verdict, Phase::Datagram, receiver_bound)
}

//! Serving a listener the way `socat ADDRESS /dev/null` does, with one thread and a bounded
//! number of open connections.
//!
//! socat forks a child per connection (or per datagram peer); each child relays between the
//! peer and `/dev/null`. `/dev/null` is at end-of-file at once, so the child shuts down its
//! write side at once, then reads and discards what the peer sends for as long as it keeps
//! sending: socat's `-t 0.5` is a timeout of *inactivity*, restarted by every read, so a
//! client that streams is never cut off, and one that goes quiet is closed 0.5 s later.
//! socklab does the same in one thread per listener that `poll`s the listening socket and
//! every connection at once:
//!
//! - a stream listener accepts every connection the moment it arrives (so the kernel's accept
//!   queue, the backlog, never fills and a probe never hangs in SYN-SENT), sends it
//!   end-of-file once socat's child would have started ([`CHILD_START`]), then reads and
//!   forgets its data until the peer's end-of-file or [`LINGER`] without data. At most [`MAX_CONNECTIONS`] are drained at a time; beyond that a
//!   new connection gets its end-of-file and is closed at once, so no flood can make the
//!   process grow;
//! - a datagram listener reads each datagram into one fixed buffer and drops it. With `fork`,
//!   `UDP*-LISTEN` does what socat's child does: a socket of its own, bound to the listener's
//!   address and *connected* to the peer (ss shows it as `ESTAB` beside the `UNCONN`
//!   listener), which takes that peer's datagrams until it has been quiet for [`LINGER`].
//!   `UDP*-RECVFROM` and `UNIX-RECVFROM` answer with `sendto` in socat and make no such socket.
//!
//! Stopping wakes the thread at once by shutting the listening socket down, with a short poll
//! timeout as a backstop; the thread is joined before the socket is closed.

use std::io::{self, Read};
use std::mem::MaybeUninit;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout};
use socket2::{Domain, SockAddr, Socket, Type};

use super::ListenKind;

/// Connections (or, for a forking UDP listener, connected peer sockets) drained at once, per
/// listener.
pub const MAX_CONNECTIONS: usize = 128;
/// The most threads one listener runs.
pub const MAX_THREADS_PER_LISTENER: usize = 1;
/// How long a connection may stay quiet after socklab's own end-of-file before it is closed
/// (socat's `-t` default). Every read starts it again.
pub const LINGER: Duration = Duration::from_millis(500);
/// How long after the accept a connection gets its end-of-file: the time socat takes to fork
/// the child that opens `/dev/null` and shuts the connection down (0.2 to 3.6 ms, median
/// 0.44 ms, measured on the lab's test machine). A client that closes at once, as `nc -z`
/// does, closes first, as with the real socat, and so keeps the connection's TIME-WAIT;
/// sending it at accept would win that race and leave the client no TIME-WAIT.
pub const CHILD_START: Duration = Duration::from_millis(5);
/// The longest the thread sleeps in `poll` before it looks at the stop flag again, in case
/// the shutdown that should wake it did not.
const BACKSTOP: Duration = Duration::from_millis(100);
/// How long the thread keeps looking for more connections after one arrived.
const BURST_WATCH: Duration = Duration::from_millis(2);
/// The receive buffer for datagrams: the largest UDP payload fits.
const DATAGRAM_BUFFER: usize = 65_536;

/// How a listener serves what arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Serving {
    /// Streams are accepted and drained; datagrams are received.
    pub kind: ListenKind,
    /// For UDP: the address each forked peer socket binds (the listener's), when socat would
    /// make one (`UDP*-LISTEN` with `fork`) and the listener shares its port (SO_REUSEADDR).
    pub peer_sockets: Option<SocketAddr>,
}

/// The thread serving one socket; dropping it stops and joins it.
#[derive(Debug)]
pub(super) struct Server {
    socket: Arc<Socket>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts serving `socket` (already bound, and listening for a stream kind).
    pub(super) fn start(socket: Socket, serving: Serving) -> io::Result<Self> {
        socket.set_nonblocking(true)?;
        let socket = Arc::new(socket);
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, flag) = (Arc::clone(&socket), Arc::clone(&stop));
        let thread = thread::Builder::new().name("socklab-serve".to_owned()).spawn(move || {
            if serving.kind.is_stream() {
                stream_loop(&shared, &flag);
            } else {
                datagram_loop(&shared, serving.peer_sockets, &flag);
            }
        })?;
        Ok(Self { socket, stop, thread: Some(thread) })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes a poll on a listening socket (POLLHUP) or on a datagram socket (end-of-file).
        // UDP answers ENOTCONN but is woken all the same.
        let _ = self.socket.shutdown(Shutdown::Both);
        if let Some(thread) = self.thread.take() {
            // A panicked serving thread has nothing left to clean up: the socket and the
            // socket file belong to this side.
            let _ = thread.join();
        }
    }
}

fn stopping(stop: &AtomicBool) -> bool {
    stop.load(Ordering::SeqCst)
}

/// Whether an error only means "nothing (more) yet".
fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
    )
}

/// One connection being drained, or one forked UDP peer socket.
#[derive(Debug)]
struct Drained {
    socket: Socket,
    /// The last time data came (or the connection was opened).
    active: Instant,
    /// When a stream connection gets socklab's end-of-file; `None` once it has (and for UDP).
    eof_due: Option<Instant>,
}

impl Drained {
    fn quiet_too_long(&self, now: Instant) -> bool {
        now.duration_since(self.active) >= LINGER
    }
}

/// Waits until the listening socket or one of `drained` is readable, for at most the time
/// left before the next connection falls quiet (and never more than [`BACKSTOP`]). Returns
/// which are ready: the listening socket first, then one flag per drained socket.
fn wait_all(listening: &Socket, drained: &[&Drained]) -> Vec<bool> {
    let now = Instant::now();
    let next_quiet = drained
        .iter()
        .map(|entry| entry.eof_due.unwrap_or(entry.active + LINGER).saturating_duration_since(now))
        .min()
        .unwrap_or(BACKSTOP);
    // Rounded up to the next millisecond, so a connection is never looked at a moment early.
    let timeout = next_quiet.min(BACKSTOP) + Duration::from_micros(999);
    let timeout = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::ZERO);
    let mut fds = Vec::with_capacity(drained.len() + 1);
    fds.push(PollFd::new(listening.as_fd(), PollFlags::POLLIN));
    fds.extend(drained.iter().map(|entry| PollFd::new(entry.socket.as_fd(), PollFlags::POLLIN)));
    if nix::poll::poll(&mut fds, timeout).is_err() {
        // EINTR, or no memory for the poll set: look again after the next pass.
        return vec![false; fds.len()];
    }
    fds.iter().map(|fd| fd.any().unwrap_or(true)).collect()
}

/// Accepts, sends end-of-file and drains, until stopped.
fn stream_loop(listening: &Socket, stop: &AtomicBool) {
    let mut drained: Vec<Drained> = Vec::with_capacity(MAX_CONNECTIONS);
    let mut buffer = [0_u8; 16 * 1024];
    while !stopping(stop) {
        let ready = wait_all(listening, &drained.iter().collect::<Vec<_>>());
        let now = Instant::now();
        // Keep the connections that are still open: ready ones are read to the bottom.
        let mut index = 0;
        drained.retain_mut(|entry| {
            let is_ready = ready.get(index + 1).copied().unwrap_or(false);
            index += 1;
            if entry.eof_due.is_some_and(|due| due <= now) {
                let _ = entry.socket.shutdown(Shutdown::Write);
                entry.eof_due = None;
            }
            if is_ready {
                match read_all(&entry.socket, &mut buffer) {
                    Some(true) => entry.active = now,
                    Some(false) => {}
                    None => return false,
                }
            }
            !entry.quiet_too_long(now)
        });
        if ready.first().copied().unwrap_or(false) && accept_all(listening, &mut drained) > 0 {
            watch_for_burst(listening, &mut drained, stop);
        }
    }
}

/// Connections come in bursts (a port scan, a flood, probes in a loop). Once backlog+1 of
/// them wait in the kernel's queue, it drops the next SYN and that client waits a whole second
/// to retry; a thread asleep in poll() wakes too slowly to prevent it. So after a connection
/// the thread stays awake for [`BURST_WATCH`], taking whatever arrives meanwhile.
fn watch_for_burst(listening: &Socket, drained: &mut Vec<Drained>, stop: &AtomicBool) {
    let mut until = Instant::now() + BURST_WATCH;
    while !stopping(stop) && Instant::now() < until {
        if accept_all(listening, drained) > 0 {
            until = Instant::now() + BURST_WATCH;
        } else {
            thread::yield_now();
        }
    }
}

/// Reads and forgets what a connection has to give. `Some(true)`: data came; `Some(false)`:
/// nothing; `None`: the peer's end-of-file or an error, the connection is done.
fn read_all(mut connection: &Socket, buffer: &mut [u8]) -> Option<bool> {
    let mut got = false;
    loop {
        match connection.read(buffer) {
            Ok(0) => return None,
            Ok(_) => got = true,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Some(got),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Takes every connection waiting in the kernel's queue, and says how many. Each is kept to be
/// drained, and gets socat's end-of-file after [`CHILD_START`], if there is room; else it gets
/// the end-of-file at once and is closed.
fn accept_all(listening: &Socket, drained: &mut Vec<Drained>) -> usize {
    let mut accepted = 0;
    loop {
        match listening.accept() {
            Ok((connection, _peer)) => {
                accepted += 1;
                if drained.len() < MAX_CONNECTIONS && connection.set_nonblocking(true).is_ok() {
                    let now = Instant::now();
                    let eof_due = Some(now + CHILD_START);
                    drained.push(Drained { socket: connection, active: now, eof_due });
                } else {
                    let _ = connection.shutdown(Shutdown::Write);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return accepted,
            Err(err) if is_transient(&err) || err.kind() == io::ErrorKind::ConnectionReset => {}
            // Woken by the shutdown, or out of file descriptors: the connection stays queued
            // until the next pass (the poll timeout keeps that from spinning hard).
            Err(_) => {
                if drained.is_empty() {
                    thread::sleep(BACKSTOP.min(Duration::from_millis(10)));
                }
                return accepted;
            }
        }
    }
}

/// Receives datagrams into one buffer and forgets them; with `peer_sockets`, opens socat's
/// connected socket for each new peer.
fn datagram_loop(listening: &Socket, peer_sockets: Option<SocketAddr>, stop: &AtomicBool) {
    let mut buffer = vec![MaybeUninit::<u8>::uninit(); DATAGRAM_BUFFER];
    let mut peers: Vec<(Drained, SocketAddr)> = Vec::new();
    while !stopping(stop) {
        let sockets: Vec<&Drained> = peers.iter().map(|(entry, _)| entry).collect();
        let ready = wait_all(listening, &sockets);
        let now = Instant::now();
        for ((entry, _), _) in peers.iter_mut().zip(&ready[1..]).filter(|(_, ready)| **ready) {
            if receive_all(&entry.socket, &mut buffer, |_| {}) {
                entry.active = now;
            }
        }
        peers.retain(|(entry, _)| !entry.quiet_too_long(now));
        if !ready[0] {
            continue;
        }
        let mut senders = Vec::new();
        receive_all(listening, &mut buffer, |peer| senders.push(peer));
        let Some(local) = peer_sockets else { continue };
        for peer in senders {
            if peers.len() < MAX_CONNECTIONS
                && peers.iter().all(|(_, known)| *known != peer)
                && let Ok(socket) = peer_socket(listening, local, peer)
            {
                peers.push((Drained { socket, active: now, eof_due: None }, peer));
            }
        }
    }
}

/// Receives every datagram waiting; `each` sees the sender of each. Returns whether any came.
fn receive_all(
    socket: &Socket,
    buffer: &mut [MaybeUninit<u8>],
    mut each: impl FnMut(SocketAddr),
) -> bool {
    let mut got = false;
    loop {
        match socket.recv_from(buffer) {
            Ok((_, from)) => {
                got = true;
                if let Some(from) = from.as_socket() {
                    each(from);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return got,
            // An ICMP error for an earlier answer, or an interrupted call: go on reading.
            Err(err) if is_transient(&err) => {}
            Err(_) => return got,
        }
    }
}

/// socat's child socket for one UDP peer: bound to the listener's own address (sharing its
/// port through SO_REUSEADDR) and connected to the peer, so the kernel hands that peer's next
/// datagrams to it.
fn peer_socket(listening: &Socket, local: SocketAddr, peer: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(local), Type::DGRAM, None)?;
    socket.set_reuse_address(true)?;
    if local.is_ipv6() {
        // The same IPV6_V6ONLY as the listener, so the child shares exactly its port.
        socket.set_only_v6(listening.only_v6()?)?;
    }
    socket.bind(&local.into())?;
    socket.connect(&SockAddr::from(peer))?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

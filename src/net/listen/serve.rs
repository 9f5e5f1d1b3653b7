//! Serving a listener the way `socat ADDRESS /dev/null` does, with a fixed set of threads.
//!
//! socat forks a child per connection (or per datagram peer); each child relays between the
//! peer and `/dev/null`. `/dev/null` is at end-of-file at once, so the child shuts down its
//! write side, reads and discards what the peer sends until the peer's end-of-file or 0.5 s
//! (socat's `-t`), and exits. socklab does the same with threads, but never more than a fixed
//! number, so that a flood cannot exhaust the machine:
//!
//! - a stream listener has one accepting thread and [`DRAINERS`] draining threads fed through
//!   a queue of [`QUEUE`] connections. The accepting thread never waits: when the queue is full
//!   it shuts the new connection down and closes it at once, so the kernel's accept queue
//!   (the backlog) never fills and a probe never hangs in SYN-SENT;
//! - a datagram listener has one receiving thread that reads each datagram into one fixed
//!   buffer and drops it.
//!
//! Stopping wakes the threads at once by shutting the socket down (which makes a blocked
//! `accept`/`recv` return), with a short receive timeout as a backstop; the threads are joined
//! before the socket is closed.

use std::io::{self, Read};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use socket2::Socket;

use super::ListenKind;

/// Threads that drain accepted connections, per stream listener.
pub const DRAINERS: usize = 4;
/// Accepted connections waiting for a draining thread, per stream listener.
pub const QUEUE: usize = 16;
/// The most threads one listener runs: the accepting (or receiving) thread and the drainers.
pub const MAX_THREADS_PER_LISTENER: usize = 1 + DRAINERS;
/// How long a connection is drained after socklab's own end-of-file (socat's `-t` default).
pub const LINGER: Duration = Duration::from_millis(500);
/// The longest a blocked thread waits before it looks at the stop flag again, in case the
/// shutdown that should wake it did not.
const BACKSTOP: Duration = Duration::from_millis(100);
/// How long the accepting thread keeps looking for more connections after one arrived.
const BURST_WATCH: Duration = Duration::from_millis(2);
/// The read slices while draining, so that stopping is prompt even mid-connection.
const DRAIN_SLICE: Duration = Duration::from_millis(50);
/// The receive buffer for datagrams: the largest UDP payload fits.
const DATAGRAM_BUFFER: usize = 65_536;

/// The threads serving one socket; dropping it stops and joins them.
#[derive(Debug)]
pub(super) struct Server {
    socket: Arc<Socket>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Starts serving `socket` (already bound, and listening for a stream kind).
    pub(super) fn start(socket: Socket, kind: ListenKind) -> io::Result<Self> {
        socket.set_read_timeout(Some(BACKSTOP))?;
        let mut server = Self {
            socket: Arc::new(socket),
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::with_capacity(MAX_THREADS_PER_LISTENER),
        };
        // If a spawn fails half-way, dropping `server` stops what was started.
        if kind.is_stream() {
            server.start_stream()?;
        } else {
            server.start_datagram()?;
        }
        Ok(server)
    }

    fn start_stream(&mut self) -> io::Result<()> {
        let (queue, waiting) = mpsc::sync_channel::<Socket>(QUEUE);
        let waiting = Arc::new(Mutex::new(waiting));
        for index in 0..DRAINERS {
            let waiting = Arc::clone(&waiting);
            let stop = Arc::clone(&self.stop);
            let handle = thread::Builder::new()
                .name(format!("socklab-drain-{index}"))
                .spawn(move || drain_loop(&waiting, &stop))?;
            self.threads.push(handle);
        }
        let socket = Arc::clone(&self.socket);
        let stop = Arc::clone(&self.stop);
        let handle = thread::Builder::new()
            .name("socklab-accept".to_owned())
            .spawn(move || accept_loop(&socket, &queue, &stop))?;
        self.threads.push(handle);
        Ok(())
    }

    fn start_datagram(&mut self) -> io::Result<()> {
        let socket = Arc::clone(&self.socket);
        let stop = Arc::clone(&self.stop);
        let handle = thread::Builder::new()
            .name("socklab-recv".to_owned())
            .spawn(move || receive_loop(&socket, &stop))?;
        self.threads.push(handle);
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes a blocked accept (EINVAL) or recv (end-of-file). UDP answers ENOTCONN but is
        // woken all the same.
        let _ = self.socket.shutdown(Shutdown::Both);
        for handle in self.threads.drain(..) {
            // A panicked serving thread has nothing left to clean up: the socket and the
            // socket file belong to this side.
            let _ = handle.join();
        }
    }
}

fn stopping(stop: &AtomicBool) -> bool {
    stop.load(Ordering::SeqCst)
}

fn pause_unless_stopping(stop: &AtomicBool) {
    if !stopping(stop) {
        thread::sleep(BACKSTOP);
    }
}

/// Whether an error only means "nothing yet, try again".
fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Accepts every connection at once and hands it to a drainer, or closes it when all are busy.
fn accept_loop(socket: &Socket, queue: &SyncSender<Socket>, stop: &AtomicBool) {
    while !stopping(stop) {
        match socket.accept() {
            Ok((connection, _peer)) => {
                hand_over(connection, queue);
                watch_for_burst(socket, queue, stop);
            }
            Err(err) if is_transient(&err) => {}
            // Woken by the shutdown: the loop ends. Out of file descriptors: pause rather than
            // spin, since the connection stays queued until a descriptor is free.
            Err(_) => pause_unless_stopping(stop),
        }
    }
    // Dropping `queue` here tells the drainers that no more connections come.
}

fn hand_over(connection: Socket, queue: &SyncSender<Socket>) {
    match queue.try_send(connection) {
        Ok(()) => {}
        Err(TrySendError::Full(connection) | TrySendError::Disconnected(connection)) => {
            close_at_once(&connection);
        }
    }
}

/// Connections come in bursts (a port scan, a flood, probes in a loop). Once backlog+1 of
/// them wait in the kernel's queue, it drops the next SYN and that client waits a whole second
/// to retry; a thread asleep in accept() wakes too slowly to prevent it. So after a connection
/// the accepting thread stays awake for [`BURST_WATCH`], taking whatever arrives meanwhile.
fn watch_for_burst(socket: &Socket, queue: &SyncSender<Socket>, stop: &AtomicBool) {
    if socket.set_nonblocking(true).is_err() {
        return;
    }
    let mut until = Instant::now() + BURST_WATCH;
    while !stopping(stop) && Instant::now() < until {
        match socket.accept() {
            Ok((connection, _peer)) => {
                hand_over(connection, queue);
                until = Instant::now() + BURST_WATCH;
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => thread::yield_now(),
            Err(err) if is_transient(&err) => {}
            Err(_) => break,
        }
    }
    let _ = socket.set_nonblocking(false);
}

/// socat's end of a connection when it has no time for it: end-of-file, then close.
fn close_at_once(connection: &Socket) {
    let _ = connection.shutdown(Shutdown::Write);
}

/// Takes connections from the queue until the accepting thread is gone.
fn drain_loop(waiting: &Mutex<Receiver<Socket>>, stop: &AtomicBool) {
    loop {
        // One drainer at a time waits on the queue; the others wait for the lock. When the
        // accepting thread ends, `recv` fails at once for each of them in turn.
        let next = waiting.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(connection) => drain(&connection, stop),
            Err(mpsc::RecvError) => return,
        }
    }
}

/// What socat does with `/dev/null` on the other side: send end-of-file, then read and discard
/// until the peer's end-of-file or [`LINGER`], then close.
fn drain(connection: &Socket, stop: &AtomicBool) {
    let _ = connection.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut buffer = [0_u8; 4096];
    let mut reader = connection;
    while !stopping(stop) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || connection.set_read_timeout(Some(left.min(DRAIN_SLICE))).is_err() {
            return;
        }
        match reader.read(&mut buffer) {
            Ok(0) => return,
            Ok(_) => {}
            Err(err) if is_transient(&err) => {}
            Err(_) => return,
        }
    }
}

/// Receives datagrams into one buffer and forgets them.
fn receive_loop(socket: &Socket, stop: &AtomicBool) {
    let mut buffer = vec![MaybeUninit::<u8>::uninit(); DATAGRAM_BUFFER];
    while !stopping(stop) {
        match socket.recv(&mut buffer) {
            Ok(_) => {}
            Err(err) if is_transient(&err) => {}
            // ECONNREFUSED and the like belong to no one here (the socket is not connected);
            // anything else: pause rather than spin.
            Err(_) => pause_unless_stopping(stop),
        }
    }
}

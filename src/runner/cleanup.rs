//! Clean-up that always happens: the background listeners a lesson started.
//!
//! A session keeps its jobs in a [`Jobs`] list that is also registered here. Dropping the
//! session (the end of a lesson, a failure, a panic unwinding) drops the listeners, which
//! close their sockets and remove the socket files they created. SIGINT and SIGTERM are
//! caught by a thread that does the same for every live session before the process exits,
//! so Ctrl+C (also pressed at a prompt) and `kill` leave nothing behind either.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use crate::net::listen::Listener;

/// A background job: what the student typed, and the listener it started (none when the
/// step was skipped, so that a later `fg` has the right job to skip too).
#[derive(Debug)]
pub struct Job {
    pub number: usize,
    pub text: String,
    pub listener: Option<Listener>,
}

/// A session's jobs, shared with the signal handler.
pub type Jobs = Arc<Mutex<Vec<Job>>>;

/// Every session's jobs, held weakly so a finished session is simply gone.
type Registry = Mutex<Vec<Weak<Mutex<Vec<Job>>>>>;

fn live() -> &'static Registry {
    static LIVE: OnceLock<Registry> = OnceLock::new();
    LIVE.get_or_init(Mutex::default)
}

/// Locks a mutex even when a panicking thread poisoned it: clean-up must still run.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A new, registered job list.
pub fn new_jobs() -> Jobs {
    let jobs = Jobs::default();
    let mut registry = lock(live());
    registry.retain(|weak| weak.strong_count() > 0);
    registry.push(Arc::downgrade(&jobs));
    jobs
}

/// Stops every job of every live session.
pub fn stop_everything() {
    let sessions: Vec<Jobs> = lock(live()).iter().filter_map(Weak::upgrade).collect();
    for jobs in sessions {
        // Drained under the lock, dropped after it: dropping a listener joins its threads.
        let drained: Vec<Job> = lock(&jobs).drain(..).collect();
        drop(drained);
    }
}

/// The signal that interrupted the run, 0 while none has.
static INTERRUPTED_BY: AtomicI32 = AtomicI32::new(0);

/// The signal that interrupted this run, if one did. A step cut short by the signal (a probe
/// whose wait returned EINTR) must not be reported as the student's failure: the runner
/// checks this and stops instead.
pub fn interrupted() -> Option<i32> {
    match INTERRUPTED_BY.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The exit status for a run stopped by `signal`, as a shell reports a killed command.
pub fn exit_status(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

/// Stops everything because of `signal`, once, and says so. Called by the signal thread, and
/// by the terminal interface when Ctrl+C is pressed at a prompt (the terminal is in raw mode
/// then: the key reaches the prompt, which raises SIGINT itself and returns). Whichever comes
/// second waits here until the first has finished, so the process never exits halfway
/// through the clean-up.
pub fn interrupt(signal: i32) {
    static ONCE: Mutex<()> = Mutex::new(());
    let _only_one = lock(&ONCE);
    if INTERRUPTED_BY.load(Ordering::SeqCst) != 0 {
        return;
    }
    INTERRUPTED_BY.store(signal, Ordering::SeqCst);
    stop_everything();
    // Leave the terminal usable if a prompt had hidden the cursor. Through stderr: the main
    // thread may hold stdout's lock for as long as a batch run lasts.
    let terminal = console::Term::stderr();
    if terminal.is_term() {
        let _ = terminal.show_cursor();
    }
    eprintln!("\n{}", crate::t!("runner.interrupted"));
}

/// Installs the SIGINT/SIGTERM handler (once per process): stop everything, say so, and
/// exit with 128 + the signal number, as a shell reports a killed command.
pub fn install_signal_handler() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                interrupt(signal);
                std::process::exit(i32::from(exit_status(signal)));
            }
        });
    });
}

//! Clean-up that always happens: the background listeners a lesson started.
//!
//! A session keeps its jobs in a [`Jobs`] list that is also registered here. Dropping the
//! session (the end of a lesson, a failure, a panic unwinding) drops the listeners, which
//! close their sockets and remove the socket files they created. SIGINT, SIGTERM, SIGHUP (the
//! terminal closed, SSH dropped) and SIGQUIT are caught by a thread that does the same for
//! every live session before the process exits, so Ctrl+C (also pressed at a prompt), `kill`
//! and a lost terminal leave nothing behind either.
//!
//! No listener is ever outside the list while it has a socket open: a session opens one with
//! its list locked and adds it before unlocking ([`open_job`]), and stops one (`fg`) with the
//! list locked too, so the clean-up, which takes each list's lock, sees every listener. Once a
//! signal has come, no new listener opens. Whoever ends the process (the signal thread, or
//! the main thread returning from `main`) first waits for the clean-up to finish
//! ([`settle`]).

use std::io::Write;
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

/// Held while a file socklab keeps (progress, a class record) is written; the signal thread
/// takes it before the process exits, so an exit never cuts a save in half.
static WRITING: Mutex<()> = Mutex::new(());

/// Waits for a save under way to finish, and keeps any other from starting while the guard
/// lives: taken around every save, and for the exit after a signal.
pub fn hold_writes() -> MutexGuard<'static, ()> {
    lock(&WRITING)
}

/// A new, registered job list.
pub fn new_jobs() -> Jobs {
    let jobs = Jobs::default();
    let mut registry = lock(live());
    registry.retain(|weak| weak.strong_count() > 0);
    registry.push(Arc::downgrade(&jobs));
    jobs
}

/// Opens a listener with `open` and adds it to `jobs` as the job `text`, all under the
/// list's lock: the clean-up cannot run between the two and miss it. Refused (`None`) once a
/// signal has started the clean-up. Returns the job's number and the listener's socket inode,
/// or what `open` failed with.
pub fn open_job<E>(
    jobs: &Jobs,
    text: String,
    open: impl FnOnce() -> Result<Listener, E>,
) -> Option<Result<(usize, u64), E>> {
    let mut jobs = lock(jobs);
    if interrupted().is_some() {
        return None;
    }
    Some(open().map(|listener| {
        let inode = listener.inode();
        (push(&mut jobs, text, Some(listener)), inode)
    }))
}

/// Adds a job to a locked list; a shell numbers jobs from 1 again once none is left, and like
/// it this takes the next free number.
pub fn push(jobs: &mut Vec<Job>, text: String, listener: Option<Listener>) -> usize {
    let number = jobs.iter().map(|j| j.number).max().unwrap_or(0) + 1;
    jobs.push(Job { number, text, listener });
    number
}

/// Takes job `number` (the last one when `None`) off the list and stops its listener, both
/// under the list's lock; returns the job's text and whether it had a listener.
pub fn stop_job(jobs: &Jobs, number: Option<usize>) -> Option<(String, bool)> {
    let mut jobs = lock(jobs);
    let index = match number {
        Some(n) => jobs.iter().position(|j| j.number == n)?,
        None => jobs.len().checked_sub(1)?,
    };
    let job = jobs.remove(index);
    let had_listener = job.listener.is_some();
    // Dropped with the list still locked: closes the sockets and removes the socket file.
    drop(job.listener);
    Some((job.text, had_listener))
}

/// Stops every job of every live session.
pub fn stop_everything() {
    let sessions: Vec<Jobs> = lock(live()).iter().filter_map(Weak::upgrade).collect();
    for jobs in sessions {
        // Dropped under the lock, so that a session looking at its list meanwhile waits and
        // then finds the listeners gone rather than half stopped.
        lock(&jobs).clear();
    }
}

/// Held by [`interrupt`] for the whole clean-up.
static ONCE: Mutex<()> = Mutex::new(());

/// Waits until the clean-up a signal started has finished (at once when no signal came):
/// called before the process ends, so that it never exits halfway through.
pub fn settle() {
    if interrupted().is_some() {
        drop(lock(&ONCE));
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
    // Not eprintln!: a closed stderr must not panic the clean-up's thread before it exits.
    let _ = writeln!(std::io::stderr(), "\n{}", crate::t!("runner.interrupted"));
}

/// The signals that end a run, each after the clean-up.
pub const SIGNALS: [i32; 4] = {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
};

/// Installs the handler of [`SIGNALS`] (once per process): stop everything, say so, and exit
/// with 128 + the signal number, as a shell reports a killed command. The exit waits for a
/// progress save under way, so it never leaves half a file.
pub fn install_signal_handler() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new(SIGNALS) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                interrupt(signal);
                let _no_more_writes = hold_writes();
                std::process::exit(i32::from(exit_status(signal)));
            }
        });
    });
}

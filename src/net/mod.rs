//! The in-process tools: socklab's own socat, ss, nc and stat.
//!
//! Each tool takes the real tool's flags (so a student learns the real syntax), does the work
//! itself through socket2, netlink sock_diag and the file system (never by starting another
//! program), and renders its result the way the real tool would. The lesson runner reuses the
//! same argument parsers and the same rendering.
//!
//! - [`listen`]: socat's `*-LISTEN` / `UNIX-RECVFROM` addresses, as listeners that discard
//!   what they receive.
//! - [`inspect`]: ss over the kernel's socket tables.
//! - [`probe`]: `nc -z`.
//! - [`stat`]: `stat` and `ls -l` for socket files.

pub mod inspect;
pub mod listen;
pub mod privilege;
pub mod probe;
pub mod services;
pub mod stat;

/// The C library's message for `errno`, as the real tools print it (nc's `warn()`, stat's
/// `cannot statx`): std's text without its ` (os error N)` suffix.
pub fn strerror(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// An I/O error in the C library's words, without std's ` (os error N)`: what a student
/// sees in the real tools' messages.
pub fn io_reason(err: &std::io::Error) -> String {
    err.raw_os_error().map_or_else(|| err.to_string(), strerror)
}

/// What a tool printed and how it ended, as the real tool would have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolOutput {
    /// What goes to standard output.
    pub stdout: String,
    /// What goes to standard error (nc prints its verdicts here).
    pub stderr: String,
    /// The exit status the real tool would give.
    pub status: i32,
    /// socklab's own explanations of this result, beyond what the real tool prints (for
    /// instance, that a UDP "succeeded" only means no error came back). Kept apart from
    /// stdout/stderr so the runner can compare those with the real tool's output.
    pub notes: Vec<String>,
    /// What to do about a result that is usually unwanted (start a listener, check a path).
    /// Kept apart from `notes` because a lesson step may want that very result: the runner
    /// gives advice only after a step failed.
    pub advice: Vec<String>,
}

impl ToolOutput {
    /// Prints exactly what the real tool prints, and socklab's notes only when asked for or
    /// when stderr is a terminal (a piped tool stands in for the real one); returns the exit
    /// status to end with.
    pub fn print_with_notes(&self, asked: bool) -> std::process::ExitCode {
        use std::io::{IsTerminal, Write};
        let _ = std::io::stdout().write_all(self.stdout.as_bytes());
        let _ = std::io::stderr().write_all(self.stderr.as_bytes());
        if asked || std::io::stderr().is_terminal() {
            for note in self.notes.iter().chain(&self.advice) {
                print_socklab_line("note: ", note);
            }
        }
        std::process::ExitCode::from(u8::try_from(self.status).unwrap_or(1))
    }
}

/// Writes one line of socklab's own to standard error, `socklab: ` and `label` before `text`.
/// socklab's lines are never compared with a real tool's, so they always go out
/// [cleaned](crate::terminal_text::clean): a socket path in them, which another user may
/// have chosen, cannot drive the terminal.
pub fn print_socklab_line(label: &str, text: &str) {
    crate::terminal_text::warn(format_args!("socklab: {label}{text}"));
}

/// A writer that passes what it is given through [`clean_bytes`](crate::terminal_text::clean_bytes) when `active`: socket paths
/// and names another user chose cannot drive the student's terminal, while into a pipe
/// socklab's tools write exactly what the real ones write.
pub struct TerminalSafe<W> {
    pub inner: W,
    pub active: bool,
    /// Set once something was written out rather than passed as it was (for a note).
    pub rewrote: bool,
}

impl<W: std::io::Write> std::io::Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.active {
            let safe = crate::terminal_text::clean_bytes(buf);
            self.rewrote |= matches!(safe, std::borrow::Cow::Owned(_));
            self.inner.write_all(&safe)?;
            Ok(buf.len())
        } else {
            self.inner.write(buf)
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

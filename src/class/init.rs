//! `socklab class init DIR`: the instructor makes the class directory, and is told the line
//! to hand out.

use std::path::Path;
use std::process::ExitCode;

use rustix::fs::{Mode, OFlags};

use super::MODE;
use crate::error::Failure;
use crate::t;
use crate::terminal_text::say;

/// `socklab class init DIR`: creates the class directory (mode 1733) or accepts one that
/// already is one of this user's, and prints the line to hand out.
pub fn init(dir: &Path) -> Result<ExitCode, Failure> {
    let failed = |err: std::io::Error| {
        Failure::new(t!("class.init_failed", dir = dir.display(), error = err))
    };
    let absolute = std::path::absolute(dir).map_err(failed)?;
    match rustix::fs::mkdir(&absolute, Mode::from_raw_mode(0o700)) {
        Ok(()) => {}
        Err(rustix::io::Errno::EXIST) => {}
        Err(err) => return Err(failed(err.into())),
    }
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::open(&absolute, flags, Mode::empty()).map_err(|err| match err {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
            Failure::usage(t!("class.init_not_dir", dir = absolute.display()))
        }
        err => failed(err.into()),
    })?;
    let stat = rustix::fs::fstat(&fd).map_err(|e| failed(e.into()))?;
    let me = rustix::process::geteuid().as_raw();
    if stat.st_uid != me {
        return Err(Failure::usage(t!(
            "class.init_not_yours",
            dir = absolute.display(),
            owner = crate::exercise::found::user_label(stat.st_uid)
        )));
    }
    // Through the descriptor: the directory checked is the one changed (umask aside).
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(MODE)).map_err(|e| failed(e.into()))?;
    let shown = shell_quote(&absolute.display().to_string());
    say(t!("class.init_done", dir = absolute.display()));
    say(format!("    export SOCKLAB_CLASS={shown}"));
    say(t!("class.init_or_system", file = crate::config::SYSTEM_FILE));
    say(format!("    class = {}", toml::Value::String(absolute.display().to_string())));
    say(t!("class.init_report"));
    Ok(ExitCode::SUCCESS)
}

/// `text` as one shell word (single-quoted when it holds anything but safe characters).
fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:,@%".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(shell_quote("/srv/class-1"), "/srv/class-1");
        assert_eq!(shell_quote("/srv/my class"), "'/srv/my class'");
        assert_eq!(shell_quote("/x/it's"), r"'/x/it'\''s'");
    }
}

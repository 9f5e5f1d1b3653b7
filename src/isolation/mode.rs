//! The choice a student or an instructor makes: `--isolation auto|namespace|none`, or
//! `SOCKLAB_ISOLATION` in the environment when the flag is not given.

use crate::error::Failure;
use crate::t;

/// Where socklab runs lessons and exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// A lab of the student's own where the kernel allows one; otherwise ports and socket
    /// files moved per user on the host, with a notice.
    #[default]
    Auto,
    /// A lab of the student's own, or a clear error saying why the kernel refuses one.
    Namespace,
    /// On the host, as the tutorial is written (ports and paths shared with everyone).
    None,
}

/// The environment variable that chooses the mode when `--isolation` is not given.
pub const ENV: &str = "SOCKLAB_ISOLATION";

impl Mode {
    /// The mode from the flag, else from `SOCKLAB_ISOLATION`, else `auto`; a bad value in
    /// the environment is a usage error rather than silently ignored.
    pub fn resolve(flag: Option<Self>) -> Result<Self, Failure> {
        if let Some(mode) = flag {
            return Ok(mode);
        }
        match std::env::var(ENV) {
            Err(_) => Ok(Self::Auto),
            Ok(text) if text.is_empty() => Ok(Self::Auto),
            Ok(text) => <Self as clap::ValueEnum>::from_str(&text, true).map_err(|_| {
                Failure::usage(t!("runner.lab.bad_mode", value = text, variable = ENV))
                    .hint(t!("runner.lab.modes"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_environment() {
        assert_eq!(Mode::resolve(Some(Mode::None)).unwrap(), Mode::None);
        assert_eq!(<Mode as clap::ValueEnum>::from_str("namespace", true), Ok(Mode::Namespace));
    }
}

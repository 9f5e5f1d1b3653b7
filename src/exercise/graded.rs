//! What grading produces: each exercise checked, and the student graded. `socklab check`
//! ([`grade`](super::grade)) makes them and prints them as text or JSON, or as JUnit XML
//! through [`junit`](super::junit).

use super::check::CheckResult;
use crate::error::Failure;
use crate::lesson::resolve::{ConcreteExercise, ConcreteLesson};
use crate::t;

/// One exercise, checked.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    pub lesson: &'a ConcreteLesson,
    pub exercise: &'a ConcreteExercise,
    pub result: CheckResult,
    /// How long its check took (waiting included).
    pub seconds: f64,
}

/// Whose exercises are graded, and where (JSON and JUnit name them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub uid: u32,
    pub name: String,
    pub host: String,
}

impl Student {
    /// The user running socklab.
    pub fn me() -> Self {
        Self::of(crate::net::privilege::euid())
    }

    fn of(uid: u32) -> Self {
        let name = crate::net::stat::accounts::user_name(uid)
            .map_or_else(|| uid.to_string(), str::to_owned);
        Self { uid, name, host: crate::class::record::host_name() }
    }

    /// The student `--user NAME` names (a user name, else a uid): root may name anyone,
    /// others only themselves.
    pub fn named(name: &str) -> Result<Self, Failure> {
        let by_name = nix::unistd::User::from_name(name).ok().flatten().map(|u| u.uid.as_raw());
        let uid = by_name
            .or_else(|| name.parse::<u32>().ok())
            .ok_or_else(|| Failure::usage(t!("class.user_unknown", name = name)))?;
        let me = crate::net::privilege::euid();
        if me != 0 && uid != me {
            return Err(Failure::usage(t!("class.user_not_root", name = name)));
        }
        Ok(Self::of(uid))
    }
}

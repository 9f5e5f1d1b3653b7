//! Lessons: the tutorial as data, in `lessons/*.toml`.
//!
//! A lesson file has a format version, an id, text for the student, its named values (ports
//! and socket paths) and its steps, each with an id that never depends on its position. The
//! shipped lessons are embedded in the binary; `--lessons DIR` loads an instructor's own.
//! Loading checks everything a run would trip over (syntax, keys, types, ids, every command
//! parsed by the engine's own parsers, every `{value}` defined, job order) and reports all
//! problems of a file at once, each with file:line:column.
//!
//! The data types are at the bottom and know nothing of files: [`model`] (the [`Lesson`]),
//! [`step`], [`exercise`] and [`values`]. Above them:
//!
//! - [`load`]: loading the shipped lessons or a directory of them, in the run's language.
//! - [`format`](mod@format): reading and checking one file, one part of the format per file.
//! - [`command`]: the command lines a step runs.
//! - [`expect`]: expected output and how it is matched.
//! - [`values`]: named ports and paths, and how a run moves them.
//! - [`exercise`]: exercises and quizzes, where the student acts and socklab checks.
//! - [`step`]: a step's action, checks and needs.
//! - [`diagnostic`]: problems with their positions.
//! - [`translation`]: the pass that puts the run's language in place after loading.
//! - [`resolve`]: a lesson with its values placed and filled in, as one run uses it.

pub mod command;
pub mod diagnostic;
pub mod exercise;
pub mod expect;
pub mod format;
pub mod load;
pub mod model;
pub mod resolve;
pub mod step;
pub mod translation;
pub mod values;

pub use diagnostic::Diagnostic;
pub use format::FORMAT_VERSION;
pub use load::{MAX_FILE_SIZE, load_dir, load_dir_english, shipped, shipped_english, shipped_in};
pub use model::Lesson;
pub use step::{Action, Check, Need, Step};

/// The lessons shipped with socklab, embedded at build time: (file name, text), in order.
pub const SHIPPED: &[(&str, &str)] = &[
    ("01-setup.toml", include_str!("../../lessons/01-setup.toml")),
    ("02-tcp.toml", include_str!("../../lessons/02-tcp.toml")),
    ("03-udp.toml", include_str!("../../lessons/03-udp.toml")),
    ("04-unix.toml", include_str!("../../lessons/04-unix.toml")),
    ("05-firewall.toml", include_str!("../../lessons/05-firewall.toml")),
];

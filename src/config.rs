//! Configuration once, for everyone: the settings that shape a run (the class, the lessons,
//! isolation, the port offset, the socket directory and the language), from the command
//! line, the environment, the user's file and the system's file, in that order of precedence.
//!
//! - the system file, `/etc/socklab/config.toml` (`SOCKLAB_SYSTEM_CONFIG` names another, for
//!   tests and packagers), where an instructor puts the class for every student;
//! - the user's file, `$XDG_CONFIG_HOME/socklab/config.toml` (else `~/.config/…`);
//! - the environment: `SOCKLAB_CLASS`, `SOCKLAB_LESSONS`, `SOCKLAB_ISOLATION`,
//!   `SOCKLAB_PORT_OFFSET`, `SOCKLAB_SOCKET_DIR`, `SOCKLAB_LANG`;
//! - the flags `--class`, `--lessons`, `--isolation`, `--port-offset`, `--socket-dir`,
//!   `--lang`.
//!
//! Each effective value remembers where it came from (`socklab config` shows it). An unknown
//! key or a bad value in a file is an error at its `file:line:column`; a bad environment
//! value is an error naming the variable. A relative path in a file is taken from the file's
//! own directory.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::Failure;
use crate::lesson::diagnostic::{Diagnostic, LineIndex};
use crate::t;

/// The system file, unless `SOCKLAB_SYSTEM_CONFIG` names another.
pub const SYSTEM_FILE: &str = "/etc/socklab/config.toml";

/// Where lessons and exercises run (the values of `--isolation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Isolation {
    /// A lab of the student's own, or moved ports where the kernel refuses one.
    #[default]
    Auto,
    /// A lab of the student's own, or an error.
    Namespace,
    /// The host, as it is.
    None,
}

impl Isolation {
    /// The value as written in files, variables and flags.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Namespace => "namespace",
            Self::None => "none",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Auto, Self::Namespace, Self::None].into_iter().find(|mode| mode.name() == text)
    }
}

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A flag on the command line (its name, `--class`).
    Flag(&'static str),
    /// An environment variable (its name).
    Env(&'static str),
    /// A configuration file, at a line and column.
    File(Diagnostic),
    /// socklab's own default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "{}", t!("class.config.origin_flag", flag = flag)),
            Self::Env(name) => write!(f, "{}", t!("class.config.origin_env", name = name)),
            Self::File(place) => write!(f, "{}", place.to_string().trim_end_matches(": ")),
            Self::Default => write!(f, "{}", t!("class.config.origin_default")),
        }
    }
}

/// One effective value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T: Default> Default for Setting<T> {
    fn default() -> Self {
        Self { value: T::default(), origin: Origin::Default }
    }
}

/// The values given on the command line (`None`: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub class: Option<PathBuf>,
    pub lessons: Option<PathBuf>,
    pub isolation: Option<Isolation>,
    pub port_offset: Option<u16>,
    pub socket_dir: Option<PathBuf>,
    pub lang: Option<String>,
}

/// A configuration file looked at, and whether it was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    pub read: bool,
}

/// The effective configuration: each value with its origin, and the files looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The class directory, where the student's record is kept (none: no class).
    pub class: Setting<Option<PathBuf>>,
    /// The lessons directory (none: the shipped lessons).
    pub lessons: Setting<Option<PathBuf>>,
    pub isolation: Setting<Isolation>,
    pub port_offset: Setting<u16>,
    /// The socket directory (none: the lessons' own paths, /tmp).
    pub socket_dir: Setting<Option<PathBuf>>,
    /// The language tag (none: from the locale).
    pub lang: Setting<Option<String>>,
    pub files: Vec<Source>,
}

/// The keys of a configuration file; any other is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileValues {
    class: Option<Spanned<String>>,
    lessons: Option<Spanned<String>>,
    isolation: Option<Spanned<String>>,
    port_offset: Option<Spanned<toml::Value>>,
    socket_dir: Option<Spanned<String>>,
    lang: Option<Spanned<String>>,
}

/// The user's file: under an absolute `XDG_CONFIG_HOME`, else under an absolute `HOME`.
pub fn user_file(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let absolute = |name: &str| env(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let base =
        absolute("XDG_CONFIG_HOME").or_else(|| absolute("HOME").map(|h| h.join(".config")))?;
    Some(base.join("socklab").join("config.toml"))
}

/// The system file: `SOCKLAB_SYSTEM_CONFIG` when set, else [`SYSTEM_FILE`].
pub fn system_file(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    env("SOCKLAB_SYSTEM_CONFIG").map_or_else(|| PathBuf::from(SYSTEM_FILE), PathBuf::from)
}

/// This process's environment, with empty variables taken as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

impl Config {
    /// The effective configuration for `flags`, from this process's environment and files.
    pub fn load(flags: &Flags) -> Result<Self, Failure> {
        Self::resolve(flags, &process_env)
    }

    /// The effective configuration for `flags`, with `env` standing for the environment.
    pub fn resolve(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, Failure> {
        let mut config = Self::default();
        let mut problems = Vec::new();
        // Lowest precedence first: each layer overwrites what it sets.
        let files = [Some(system_file(env)), user_file(env)];
        for path in files.into_iter().flatten() {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    config.files.push(Source { path: path.clone(), read: true });
                    let text = String::from_utf8_lossy(&bytes);
                    config.apply_file(&path, &text, &mut problems);
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    config.files.push(Source { path, read: false });
                }
                Err(err) => problems.push(Diagnostic {
                    file: path.display().to_string(),
                    position: None,
                    message: t!("class.config.unreadable", error = err),
                }),
            }
        }
        config.apply_env(env, &mut problems);
        config.apply_flags(flags);
        if problems.is_empty() {
            return Ok(config);
        }
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Err(Failure::usage(t!("class.config.invalid", problems = list.join("\n")))
            .hint(t!("class.config.invalid_hint")))
    }

    fn apply_file(&mut self, path: &Path, text: &str, problems: &mut Vec<Diagnostic>) {
        let index = LineIndex::new(text);
        let place = |span: std::ops::Range<usize>, message: String| Diagnostic {
            file: path.display().to_string(),
            position: Some(index.position(text, span.start)),
            message,
        };
        let values: FileValues = match toml::from_str(text) {
            Ok(values) => values,
            Err(err) => {
                let message = err.message().trim().to_owned();
                problems.push(match err.span() {
                    Some(span) => place(span, message),
                    None => {
                        Diagnostic { file: path.display().to_string(), position: None, message }
                    }
                });
                return;
            }
        };
        let base = path.parent().unwrap_or(Path::new("/"));
        let origin = |span: std::ops::Range<usize>| Origin::File(place(span, String::new()));
        let mut file_path = |value: Option<Spanned<String>>,
                             into: &mut Setting<Option<PathBuf>>| {
            let Some(value) = value else { return };
            let span = value.span();
            if value.get_ref().is_empty() {
                problems.push(place(span, t!("class.config.empty_path")));
                return;
            }
            let path = base.join(value.get_ref());
            *into = Setting { value: Some(path), origin: origin(span) };
        };
        file_path(values.class, &mut self.class);
        file_path(values.lessons, &mut self.lessons);
        file_path(values.socket_dir, &mut self.socket_dir);
        if let Some(value) = values.isolation {
            match Isolation::parse(value.get_ref()) {
                Some(mode) => {
                    self.isolation = Setting { value: mode, origin: origin(value.span()) }
                }
                None => problems.push(place(
                    value.span(),
                    t!("class.config.bad_isolation", value = value.get_ref()),
                )),
            }
        }
        if let Some(value) = values.port_offset {
            let number = value.get_ref().as_integer().and_then(|n| u16::try_from(n).ok());
            match number {
                Some(offset) => {
                    self.port_offset = Setting { value: offset, origin: origin(value.span()) };
                }
                None => problems.push(place(
                    value.span(),
                    t!("class.config.bad_port_offset", value = value.get_ref()),
                )),
            }
        }
        if let Some(value) = values.lang {
            if language_tag(value.get_ref()) {
                let tag = value.get_ref().clone();
                self.lang = Setting { value: Some(tag), origin: origin(value.span()) };
            } else {
                problems.push(place(
                    value.span(),
                    t!("class.config.bad_lang", value = value.get_ref()),
                ));
            }
        }
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>, problems: &mut Vec<Diagnostic>) {
        let bad = |name: &str, message: String| Diagnostic {
            file: name.to_owned(),
            position: None,
            message,
        };
        let path = |name: &'static str, into: &mut Setting<Option<PathBuf>>| {
            if let Some(value) = env(name) {
                *into = Setting { value: Some(PathBuf::from(value)), origin: Origin::Env(name) };
            }
        };
        path("SOCKLAB_CLASS", &mut self.class);
        path("SOCKLAB_LESSONS", &mut self.lessons);
        path("SOCKLAB_SOCKET_DIR", &mut self.socket_dir);
        if let Some(value) = env("SOCKLAB_ISOLATION") {
            match Isolation::parse(&value) {
                Some(mode) => {
                    self.isolation =
                        Setting { value: mode, origin: Origin::Env("SOCKLAB_ISOLATION") };
                }
                None => problems.push(bad(
                    "SOCKLAB_ISOLATION",
                    t!("class.config.bad_isolation", value = value),
                )),
            }
        }
        if let Some(value) = env("SOCKLAB_PORT_OFFSET") {
            match value.trim().parse::<u16>() {
                Ok(offset) => {
                    self.port_offset =
                        Setting { value: offset, origin: Origin::Env("SOCKLAB_PORT_OFFSET") };
                }
                Err(_) => problems.push(bad(
                    "SOCKLAB_PORT_OFFSET",
                    t!("class.config.bad_port_offset", value = value),
                )),
            }
        }
        if let Some(value) = env("SOCKLAB_LANG") {
            if language_tag(&value) {
                self.lang = Setting { value: Some(value), origin: Origin::Env("SOCKLAB_LANG") };
            } else {
                problems.push(bad("SOCKLAB_LANG", t!("class.config.bad_lang", value = value)));
            }
        }
    }

    fn apply_flags(&mut self, flags: &Flags) {
        fn set<T: Clone>(into: &mut Setting<T>, given: Option<&T>, flag: &'static str) {
            if let Some(value) = given {
                *into = Setting { value: value.clone(), origin: Origin::Flag(flag) };
            }
        }
        let some = |value: &Option<PathBuf>| value.clone().map(Some);
        set(&mut self.class, some(&flags.class).as_ref(), "--class");
        set(&mut self.lessons, some(&flags.lessons).as_ref(), "--lessons");
        set(&mut self.socket_dir, some(&flags.socket_dir).as_ref(), "--socket-dir");
        set(&mut self.isolation, flags.isolation.as_ref(), "--isolation");
        set(&mut self.port_offset, flags.port_offset.as_ref(), "--port-offset");
        set(&mut self.lang, flags.lang.clone().map(Some).as_ref(), "--lang");
    }

    /// Fills the run-shaping options of one command from the effective values (flags
    /// included: they were given to [`Config::load`]).
    pub fn apply_to(&self, options: &mut crate::run_setup::RunOptions) {
        options.lessons.clone_from(&self.lessons.value);
        options.socket_dir.clone_from(&self.socket_dir.value);
        options.port_offset = self.port_offset.value;
        if options.isolation.is_none() {
            options.isolation = self.isolation_chosen().and_then(|chosen| {
                <crate::isolation::Mode as clap::ValueEnum>::from_str(chosen.name(), true).ok()
            });
        }
    }

    /// The isolation a file or the environment chose, if any (`--isolation` and socklab's
    /// default are the command line's business).
    pub fn isolation_chosen(&self) -> Option<Isolation> {
        matches!(self.isolation.origin, Origin::Env(_) | Origin::File(_))
            .then_some(self.isolation.value)
    }

    /// Each setting by its key, its value as shown, and its origin (for `socklab config`).
    pub fn rows(&self) -> Vec<(&'static str, String, &Origin)> {
        let path = |value: &Option<PathBuf>, none: &str| {
            value.as_ref().map_or_else(|| t!(none), |p| p.display().to_string())
        };
        vec![
            ("class", path(&self.class.value, "class.config.no_class"), &self.class.origin),
            ("lessons", path(&self.lessons.value, "class.config.shipped"), &self.lessons.origin),
            ("isolation", self.isolation.value.name().to_owned(), &self.isolation.origin),
            ("port-offset", self.port_offset.value.to_string(), &self.port_offset.origin),
            (
                "socket-dir",
                path(&self.socket_dir.value, "class.config.lessons_own"),
                &self.socket_dir.origin,
            ),
            (
                "lang",
                self.lang.value.clone().unwrap_or_else(|| crate::language::current().to_owned()),
                &self.lang.origin,
            ),
        ]
    }
}

/// Whether `text` is a language tag as `--lang`, `SOCKLAB_LANG` and the locale variables give
/// it: `zh`, `zh-CN`, `zh_CN`, `zh_CN.UTF-8`, `en_US@euro`.
pub fn language_tag(text: &str) -> bool {
    let tag = text.split(['.', '@']).next().unwrap_or_default();
    let rest = &text[tag.len()..];
    let mut parts = tag.split(['-', '_']);
    let primary = parts.next().unwrap_or_default();
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    let suffix_ok =
        rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_'));
    primary_ok && rest_ok && suffix_ok
}

/// `socklab config`: every effective value, where it came from, and the files looked at.
pub fn main(config: &Config) -> Result<std::process::ExitCode, Failure> {
    let rows = config.rows();
    // By display width: a Chinese value's characters take two columns each.
    let shown = |text: &str| console::measure_text_width(text);
    let width = rows.iter().map(|(_, value, _)| shown(value)).max().unwrap_or(0);
    for (key, value, origin) in &rows {
        let pad = " ".repeat(width - shown(value));
        if !crate::terminal_text::say(format!("{key:<12} {value}{pad}  ({origin})")) {
            return Ok(std::process::ExitCode::SUCCESS);
        }
    }
    for source in &config.files {
        let state =
            if source.read { t!("class.config.file_read") } else { t!("class.config.file_absent") };
        crate::terminal_text::say(t!(
            "class.config.file_line",
            path = source.path.display(),
            state = state
        ));
    }
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn language_tags() {
        for good in ["en", "zh", "zh-CN", "zh_CN", "zh_CN.UTF-8", "en_US@euro", "zh-Hans-CN"] {
            assert!(language_tag(good), "{good}");
        }
        for bad in ["", "e", "english!", "zh CN", "../x", "12"] {
            assert!(!language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn isolation_is_chosen_by_a_file_or_the_environment_only() {
        let none = env_of(&[("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml")]);
        assert_eq!(Config::resolve(&Flags::default(), &none).unwrap().isolation_chosen(), None);
        let env = env_of(&[
            ("SOCKLAB_SYSTEM_CONFIG", "/nonexistent/socklab.toml"),
            ("SOCKLAB_ISOLATION", "namespace"),
        ]);
        let config = Config::resolve(&Flags::default(), &env).unwrap();
        assert_eq!(config.isolation_chosen(), Some(Isolation::Namespace));
        let flag = Flags { isolation: Some(Isolation::None), ..Flags::default() };
        assert_eq!(Config::resolve(&flag, &env).unwrap().isolation.value, Isolation::None);
    }

    #[test]
    fn an_unknown_key_and_a_bad_value_are_placed_at_their_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("system.toml");
        std::fs::write(&system, "class = \"/srv/c\"\ncolour = true\n").unwrap();
        let system_text = system.display().to_string();
        let env = env_of(&[("SOCKLAB_SYSTEM_CONFIG", &system_text)]);
        let err = Config::resolve(&Flags::default(), &env).unwrap_err();
        assert!(err.message.contains(&format!("{}:2:1:", system.display())), "{}", err.message);
        assert!(err.message.contains("colour"), "{}", err.message);
        std::fs::write(&system, "# c\nisolation = \"sometimes\"\nport-offset = 70000\n").unwrap();
        let err = Config::resolve(&Flags::default(), &env).unwrap_err();
        assert!(err.message.contains(&format!("{}:2:13:", system.display())), "{}", err.message);
        assert!(err.message.contains(&format!("{}:3:15:", system.display())), "{}", err.message);
    }
}

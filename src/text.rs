//! The words socklab says, kept as data.
//!
//! Every message a user reads (explanations of errors, hints, prompts, verdicts) is a keyed
//! entry in `locale/<lang>/<group>.toml`, embedded in the binary. Code names the key and fills in the
//! `{placeholders}`; it never spells the sentence out. English is complete; other languages
//! translate it in the gettext catalogue `po/messages/<lang>.po` (see
//! [`language`](crate::language)), keyed by the same `group.key`; an entry missing or stale
//! there falls back to English, so a translation can grow step by step.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

/// The English messages shipped in the binary: each group's name and TOML text
/// (`locale/en/<group>.toml`; a key `k` in group `g` is used as `t!("g.k")`).
const CATALOGUES: &[(&str, &[(&str, &str)])] = &[(
    "en",
    &[
        ("common", include_str!("../locale/en/common.toml")),
        ("listen", include_str!("../locale/en/listen.toml")),
        ("inspect", include_str!("../locale/en/inspect.toml")),
        ("probe", include_str!("../locale/en/probe.toml")),
        ("stat", include_str!("../locale/en/stat.toml")),
        ("lesson", include_str!("../locale/en/lesson.toml")),
        ("runner", include_str!("../locale/en/runner.toml")),
        ("book", include_str!("../locale/en/book.toml")),
        ("exercise", include_str!("../locale/en/exercise.toml")),
        ("lint", include_str!("../locale/en/lint.toml")),
        ("class", include_str!("../locale/en/class.toml")),
        ("topology", include_str!("../locale/en/topology.toml")),
    ],
)];

/// The fallback language, which must have every key.
pub const FALLBACK: &str = "en";

struct Catalogue {
    entries: HashMap<String, String>,
}

impl Catalogue {
    fn parse(lang: &str, groups: &[(&str, &str)]) -> Self {
        let mut entries = HashMap::new();
        for (group, text) in groups {
            let table: toml::Table = text.parse().unwrap_or_else(|err| {
                panic!("locale/{lang}/{group}.toml is not valid TOML: {err}")
            });
            flatten(group, &toml::Value::Table(table), &mut entries);
        }
        Self { entries }
    }
}

fn flatten(prefix: &str, value: &toml::Value, into: &mut HashMap<String, String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, value, into);
            }
        }
        toml::Value::String(text) => {
            into.insert(prefix.to_owned(), text.clone());
        }
        other => panic!("locale entry {prefix} must be a string, found {}", other.type_str()),
    }
}

fn catalogues() -> &'static HashMap<&'static str, Catalogue> {
    static ALL: OnceLock<HashMap<&'static str, Catalogue>> = OnceLock::new();
    ALL.get_or_init(|| {
        CATALOGUES.iter().map(|(lang, groups)| (*lang, Catalogue::parse(lang, groups))).collect()
    })
}

/// Every key of the fallback catalogue (for tests and `lint`).
pub fn keys() -> Vec<&'static str> {
    let mut keys: Vec<_> = catalogues()[FALLBACK].entries.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// The gettext template (`.pot`) of the messages: one entry per key, the key as `msgctxt`,
/// its English as `msgid`, then `help`, `--help`'s texts (key, English), which
/// [`help::texts`](crate::help::texts) collects from the command line. `po/messages/messages.pot`
/// is this; a translator updates a catalogue from it with `msgmerge`.
pub fn template_pot(help: Vec<(String, String)>) -> String {
    let groups = CATALOGUES[0].1;
    let messages = keys().into_iter().map(|key| {
        let group = key.split('.').next().unwrap_or_default();
        let file = groups.iter().find(|(g, _)| *g == group).map_or(group, |(g, _)| g);
        (format!("locale/en/{file}.toml"), key.to_owned(), english(key).unwrap_or_default().into())
    });
    let help = help.into_iter().map(|(key, text)| ("src/cli.rs".to_owned(), key, text));
    crate::language::pot(messages.chain(help))
}

/// Every text of the messages catalogue: (key, English), the messages and then `help`,
/// `--help`'s texts (as for [`template_pot`]).
pub fn all_texts(help: &[(String, String)]) -> Vec<(String, String)> {
    let messages = keys().into_iter().map(|key| (key.to_owned(), english(key).unwrap_or_default()));
    messages.map(|(key, text)| (key, text.to_owned())).chain(help.iter().cloned()).collect()
}

/// The English template of `key`, if it exists.
pub fn english(key: &str) -> Option<&'static str> {
    catalogues()[FALLBACK].entries.get(key).map(String::as_str)
}

/// The raw template for `key` in the chosen language, falling back to English.
///
/// A missing key is a bug in socklab, caught by the test that checks every key used in the
/// source; at run time it shows the key itself rather than crashing a student's session.
pub fn template(key: &str) -> &'static str {
    let Some(english) = english(key) else { return leak_missing(key) };
    crate::language::shipped(crate::language::current(), crate::language::Domain::Messages)
        .get(key, english)
        .unwrap_or(english)
}

fn leak_missing(key: &str) -> &'static str {
    Box::leak(format!("<{key}>").into_boxed_str())
}

/// `value` without the ` (os error N)` that Rust's `io::Error` adds to the system's own words
/// (`Permission denied (os error 13)`): the real tools print only the words, and so does every
/// message of socklab's, whichever value carried the error into it.
fn without_os_error_numbers(value: &str) -> std::borrow::Cow<'_, str> {
    const MARK: &str = " (os error ";
    if !value.contains(MARK) {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let after = &rest[at + MARK.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            rest = &after[digits + 1..];
        } else {
            out.push_str(MARK);
            rest = after;
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Fills `{name}` placeholders of `key`'s template with `args`.
pub fn fill(key: &str, args: &[(&str, &dyn Display)]) -> String {
    let template = template(key);
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // `{{` and `}}` stand for a literal brace, as in Rust's format strings.
        if rest[open..].starts_with("{{") || rest[open..].starts_with("}}") {
            out.push_str(&rest[open..=open]);
            rest = &rest[open + 2..];
            continue;
        }
        if rest[open..].starts_with('}') {
            out.push('}');
            rest = after;
            continue;
        }
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if let Some(chosen) = plural_form(name, args) {
                    out.push_str(&chosen);
                    rest = &after[close + 1..];
                    continue;
                }
                match args.iter().find(|(arg, _)| *arg == name) {
                    Some((_, value)) => out.push_str(&without_os_error_numbers(&value.to_string())),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A plural placeholder, `{name|one form|other form}`: the first form when the value of
/// `name` is 1, the second otherwise, with `#` standing for the number (`{count|# lesson|#
/// lessons}`). `None` when `name` is a plain placeholder.
fn plural_form(placeholder: &str, args: &[(&str, &dyn Display)]) -> Option<String> {
    let mut parts = placeholder.split('|');
    let name = parts.next()?;
    let (one, other) = (parts.next()?, parts.next()?);
    let value = args.iter().find(|(arg, _)| *arg == name)?.1.to_string();
    let form = if value == "1" { one } else { other };
    Some(form.replace('#', &value))
}

/// `t!("key")` or `t!("key", name = value, …)`: the message for `key`, filled in.
#[macro_export]
macro_rules! t {
    ($key:expr) => {
        $crate::text::fill($key, &[])
    };
    ($key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::text::fill($key, &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+])
    };
}

#[cfg(test)]
mod tests {

    #[test]
    fn messages_keep_the_systems_words_without_rusts_error_numbers() {
        let denied = std::io::Error::from_raw_os_error(13);
        assert_eq!(super::without_os_error_numbers(&denied.to_string()), "Permission denied");
        let nested = "bind: Address already in use (os error 98); retry (os error x)";
        assert_eq!(
            super::without_os_error_numbers(nested),
            "bind: Address already in use; retry (os error x)"
        );
        assert_eq!(super::without_os_error_numbers("plain"), "plain");
    }

    use super::*;

    #[test]
    fn fills_named_placeholders_and_keeps_unknown_ones() {
        let port = 8080;
        let filled = fill("common.placeholder", &[("port", &port)]);
        assert_eq!(filled, "port 8080 and {other}");
        assert_eq!(fill("common.braces", &[("name", &"tcp")]), "`{tcp}` {not}");
    }

    #[test]
    fn plural_placeholders_pick_the_form_by_number() {
        let one = plural_form("count|# lesson|# lessons", &[("count", &1)]);
        assert_eq!(one.as_deref(), Some("1 lesson"));
        let many = plural_form("count|# lesson|# lessons", &[("count", &3)]);
        assert_eq!(many.as_deref(), Some("3 lessons"));
        assert_eq!(plural_form("count|it|they", &[("count", &0)]).as_deref(), Some("they"));
        assert!(plural_form("count", &[("count", &0)]).is_none());
        let filled = fill("runner.confirm_batch", &[("count", &1)]);
        assert!(filled.starts_with("This runs 1 lesson on"), "{filled}");
    }

    #[test]
    fn every_key_used_in_the_source_exists_in_english() {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut missing = Vec::new();
        for path in walk(std::path::Path::new(src)) {
            let code = std::fs::read_to_string(&path).unwrap();
            let code: String = code
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for (index, _) in code.match_indices("t!(") {
                // `format!(…)` ends in `t!(` too: only a standalone `t!` counts.
                let before = code[..index].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = code[index + 3..].trim_start();
                let Some(key) = rest.strip_prefix('"') else { continue };
                let key = &key[..key.find('"').unwrap_or(0)];
                let is_key = key.contains('.')
                    && key.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                if !is_key {
                    continue;
                }
                if !catalogues()[FALLBACK].entries.contains_key(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from locale/en/:\n{}", missing.join("\n"));
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
        files
    }
}

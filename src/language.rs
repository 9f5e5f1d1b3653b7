//! The language socklab speaks, and the gettext catalogues that hold its translations.
//!
//! English is the source: messages in `locale/en/*.toml`, lessons in `lessons/*.toml`, the
//! book in `book/src`. Every other language is a set of gettext catalogues,
//! `po/<domain>/<lang>.po` for the domains `messages`, `lessons` and `book`, embedded at
//! build time (build.rs lists them, so adding a language is adding its files). An entry's
//! `msgctxt` is a stable key (`runner.port_moved`, `tcp/listen-ipv4/title`), its `msgid` the
//! English it translates and its `msgstr` the translation. An entry is used only while it is
//! current: translated, not marked fuzzy, and its `msgid` still the English of today;
//! otherwise the English is shown, and `socklab lint` reports the entry as missing or stale.
//!
//! The language is chosen once per run ([`choose`]): `--lang`, else `SOCKLAB_LANG`, else the
//! first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set (POSIX's order; `C` and `POSIX` are
//! English). A locale names a language loosely (`zh_CN.UTF-8`, `zh-Hans`, `zh`); [`matching`]
//! maps it onto a shipped one, and a language nobody translated is English. A language asked
//! for by name (`--lang`, `SOCKLAB_LANG`) that does not exist is an error listing the
//! languages.

use std::collections::HashMap;
use std::sync::OnceLock;

use polib::catalog::Catalog;

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

/// The source language: every text exists in it.
pub const ENGLISH: &str = "en";

/// The catalogue domains: what a catalogue translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// socklab's messages (`locale/en/*.toml`), keyed `group.key`.
    Messages,
    /// The lessons' texts, keyed `LESSON/…/field`.
    Lessons,
    /// The book's paragraphs (mdbook-i18n-helpers' catalogue, keyed by the English alone).
    Book,
}

impl Domain {
    pub const ALL: [Domain; 3] = [Domain::Messages, Domain::Lessons, Domain::Book];

    /// The directory under `po/`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Messages => "messages",
            Self::Lessons => "lessons",
            Self::Book => "book",
        }
    }
}

/// Every language socklab speaks: English, then each one with shipped catalogues.
pub fn available() -> Vec<&'static str> {
    std::iter::once(ENGLISH).chain(CATALOGUES.iter().map(|(lang, ..)| *lang)).collect()
}

/// The shipped language `locale` stands for, if any: `zh_CN.UTF-8`, `zh-SG`, `zh-Hans` and
/// `zh` are `zh-CN`; `C`, `POSIX` and `en_GB` are English. Matching ignores case, the
/// encoding (`.UTF-8`) and the modifier (`@euro`).
pub fn matching(locale: &str) -> Option<&'static str> {
    let tag = locale.split(['.', '@']).next().unwrap_or_default();
    let mut parts = tag.split(['_', '-']).map(str::to_ascii_lowercase);
    let primary = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.collect();
    if primary == "c" || primary == "posix" || primary == "en" {
        return Some(ENGLISH);
    }
    let languages = available();
    let code = |lang: &str| lang.to_ascii_lowercase();
    // Chinese: Simplified unless a region or script says Traditional.
    if primary == "zh" {
        let traditional = rest.iter().any(|p| matches!(p.as_str(), "tw" | "hk" | "mo" | "hant"));
        let wanted = if traditional { "zh-tw" } else { "zh-cn" };
        return languages.into_iter().find(|lang| code(lang) == wanted);
    }
    let full = std::iter::once(primary.clone()).chain(rest).collect::<Vec<_>>().join("-");
    languages
        .iter()
        .find(|lang| code(lang) == full)
        .or_else(|| languages.iter().find(|lang| code(lang) == primary))
        .or_else(|| languages.iter().find(|lang| code(lang).split('-').next() == Some(&primary)))
        .copied()
}

/// Where the language came from: asked for by name, or read from the locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// `--lang` or `SOCKLAB_LANG`: a language that does not exist is an error.
    Named(String),
    /// `LC_ALL`, `LC_MESSAGES` or `LANG`: a language without a translation is English.
    Locale(String),
    /// Nothing set.
    Nothing,
}

/// What the options and the environment (`var` reads a variable) ask for.
pub fn asked(option: Option<&str>, var: &dyn Fn(&str) -> Option<String>) -> Asked {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    if let Some(lang) = option.filter(|lang| !lang.is_empty()) {
        return Asked::Named(lang.to_owned());
    }
    if let Some(lang) = set("SOCKLAB_LANG") {
        return Asked::Named(lang);
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| set(name))
        .map_or(Asked::Nothing, Asked::Locale)
}

/// The language for what was asked; `Err` lists the languages when a named one is unknown.
pub fn resolve(asked: &Asked) -> Result<&'static str, String> {
    match asked {
        Asked::Named(lang) => matching(lang).ok_or_else(|| available().join(", ")),
        Asked::Locale(locale) => Ok(matching(locale).unwrap_or(ENGLISH)),
        Asked::Nothing => Ok(ENGLISH),
    }
}

static CHOSEN: OnceLock<&'static str> = OnceLock::new();

/// A language asked for by name that socklab has no translation for (a usage error, said by
/// [`Failure`](crate::error::Failure), which is made from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLanguage {
    /// The name as given.
    pub name: String,
    /// The languages there are, comma-separated.
    pub known: String,
}

/// Chooses this run's language from `--lang` and the environment; an unknown named language
/// is an error listing the languages. The first choice of a run stands.
pub fn choose(option: Option<&str>) -> Result<&'static str, UnknownLanguage> {
    let asked = asked(option, &|name| std::env::var(name).ok());
    let lang = resolve(&asked).map_err(|known| {
        let Asked::Named(name) = &asked else { unreachable!("only a named language fails") };
        UnknownLanguage { name: name.clone(), known }
    })?;
    Ok(*CHOSEN.get_or_init(|| lang))
}

/// Sets this run's language to `lang` as a locale names it (English when it has no
/// translation): the book's preprocessor speaks the language of the book being built.
pub fn set_from_locale(lang: &str) -> &'static str {
    let lang = matching(lang).unwrap_or(ENGLISH);
    CHOSEN.get_or_init(|| lang)
}

/// This run's language: the one [`choose`] chose, else the environment's (never an error).
pub fn current() -> &'static str {
    CHOSEN.get().copied().unwrap_or_else(|| {
        resolve(&asked(None, &|name| std::env::var(name).ok())).unwrap_or(ENGLISH)
    })
}

/// One translation, as a catalogue holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The English it translates.
    pub source: String,
    pub translation: String,
    pub fuzzy: bool,
}

/// A catalogue: translations by key (`msgctxt`; the `msgid` for the book, which has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Translations {
    entries: HashMap<String, Entry>,
}

/// How a translation stands against today's English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Current,
    /// No entry, or an empty translation.
    Missing,
    /// Fuzzy, or translating an English text that has changed since.
    Stale,
}

impl Translations {
    /// Reads a `.po` text; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        check_lines(text)?;
        // A bare `#` is an empty translator comment to gettext, but polib 0.3 panics on it:
        // give it the space polib expects.
        let text: String = text
            .lines()
            .map(
                |line| if line.trim_end() == "#" { "# \n".to_owned() } else { format!("{line}\n") },
            )
            .collect();
        let catalog: Catalog =
            polib::po_file::parse_from_reader(text.as_bytes()).map_err(|err| err.to_string())?;
        let mut entries = HashMap::new();
        for message in catalog.messages() {
            if !message.is_singular() || message.msgid().is_empty() {
                continue;
            }
            let key = message.msgctxt().unwrap_or(message.msgid()).to_owned();
            entries.insert(
                key,
                Entry {
                    source: message.msgid().to_owned(),
                    translation: message.msgstr().unwrap_or_default().to_owned(),
                    fuzzy: message.is_fuzzy(),
                },
            );
        }
        Ok(Self { entries })
    }

    /// How the translation of `key`, whose English is now `english`, stands.
    pub fn state(&self, key: &str, english: &str) -> State {
        match self.entries.get(key) {
            None => State::Missing,
            Some(entry) if entry.translation.is_empty() => State::Missing,
            Some(entry) if entry.fuzzy || entry.source != english => State::Stale,
            Some(_) => State::Current,
        }
    }

    /// The translation of `key` when it is current, else `None` (show the English).
    pub fn get(&self, key: &str, english: &str) -> Option<&str> {
        (self.state(key, english) == State::Current).then(|| self.entries[key].translation.as_str())
    }

    /// The keys with an entry (translated or not).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// polib slices each `msg…`/`"` line between its quotes without checking them: a line that
/// is not quoted is refused here, with its number, instead of panicking there.
fn check_lines(text: &str) -> Result<(), String> {
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end();
        let quoted = match line.split_once(' ') {
            Some((keyword, rest)) if keyword.starts_with("msg") => Some(rest),
            _ if line.starts_with('"') => Some(line),
            _ => None,
        };
        if let Some(quoted) = quoted
            && (quoted.len() < 2 || !quoted.starts_with('"') || !quoted.ends_with('"'))
        {
            return Err(format!("line {}: {line}", number + 1));
        }
    }
    Ok(())
}

/// The shipped catalogue of `domain` in `lang` (empty for English and for a language
/// without one).
pub fn shipped(lang: &str, domain: Domain) -> &'static Translations {
    // Each catalogue is parsed the first time it is asked for: an English run parses none,
    // a Chinese `socklab list` not the book's.
    static PARSED: OnceLock<Vec<[OnceLock<Translations>; 3]>> = OnceLock::new();
    static EMPTY: OnceLock<Translations> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| CATALOGUES.iter().map(|_| Default::default()).collect());
    let Some(index) = CATALOGUES.iter().position(|(l, ..)| *l == lang) else {
        return EMPTY.get_or_init(Translations::default);
    };
    let slot = Domain::ALL.iter().position(|d| *d == domain).unwrap_or_default();
    parsed[index][slot].get_or_init(|| {
        let text = shipped_text(lang, domain).unwrap_or_default();
        // A shipped catalogue that does not parse is a bug caught by the tests.
        Translations::parse(text)
            .unwrap_or_else(|err| panic!("po/{}/{lang}.po: {err}", domain.name()))
    })
}

/// The book's catalogue template, as mdbook-xgettext extracts it from `book/src` (the tests
/// check it is current where mdbook is installed).
pub const BOOK_TEMPLATE: &str = include_str!("../po/book/messages.pot");

/// Every paragraph of the book (its English) whose translation in `lang` is not current.
pub fn book_report(lang: &str) -> Vec<(String, State)> {
    let template = Translations::parse(BOOK_TEMPLATE).unwrap_or_default();
    let translations = shipped(lang, Domain::Book);
    let mut out: Vec<(String, State)> = template
        .keys()
        .map(|english| (english.to_owned(), translations.state(english, english)))
        .filter(|(_, state)| *state != State::Current)
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The raw `.po` text of a shipped catalogue.
pub fn shipped_text(lang: &str, domain: Domain) -> Option<&'static str> {
    let (_, messages, lessons, book) = CATALOGUES.iter().find(|(l, ..)| *l == lang)?;
    Some(match domain {
        Domain::Messages => messages,
        Domain::Lessons => lessons,
        Domain::Book => book,
    })
}

/// A `.pot` text from (reference, key, English) entries, in order.
pub fn pot(entries: impl IntoIterator<Item = (String, String, String)>) -> String {
    let mut out = String::from(
        "msgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: socklab\\n\"\n\
         \"MIME-Version: 1.0\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\
         \"Content-Transfer-Encoding: 8bit\\n\"\n",
    );
    for (reference, key, english) in entries {
        out.push_str(&format!("\n#: {reference}\nmsgctxt {}\n", quote(&key)));
        out.push_str(&format!("msgid {}\nmsgstr \"\"\n", quote(&english)));
    }
    out
}

/// A PO string: one quoted line, or `""` followed by one quoted line per line of the text.
fn quote(text: &str) -> String {
    let escape = |line: &str| {
        line.replace('\\', "\\\\").replace('"', "\\\"").replace('\t', "\\t").replace('\n', "\\n")
    };
    if !text.contains('\n') || text.trim_end_matches('\n').is_empty() {
        return format!("\"{}\"", escape(text));
    }
    let mut out = String::from("\"\"");
    for line in text.split_inclusive('\n') {
        out.push_str(&format!("\n\"{}\"", escape(line)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn a_bare_comment_line_is_read_not_a_panic() {
        let header = "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n";
        let text = format!("#\n{header}\n#\nmsgctxt \"k\"\nmsgid \"Hello\"\nmsgstr \"你好\"\n");
        let read = Translations::parse(&text).unwrap();
        assert_eq!(read.get("k", "Hello"), Some("你好"));
    }

    #[test]
    fn locales_name_chinese_in_many_ways() {
        for locale in ["zh_CN.UTF-8", "zh_SG", "zh-Hans", "zh", "ZH-cn", "zh_CN.utf8@pinyin"] {
            assert_eq!(matching(locale), Some("zh-CN"), "{locale}");
        }
        for locale in ["C", "POSIX", "C.UTF-8", "en_GB.UTF-8", "en"] {
            assert_eq!(matching(locale), Some(ENGLISH), "{locale}");
        }
        assert_eq!(matching("fr_FR.UTF-8"), None);
        assert_eq!(matching("zh_TW.UTF-8"), None, "Traditional Chinese is not Simplified");
    }

    #[test]
    fn posix_order_and_named_languages() {
        let lc_all = env(&[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")]);
        assert_eq!(resolve(&asked(None, &lc_all)), Ok("zh-CN"));
        let messages = env(&[("LC_ALL", ""), ("LC_MESSAGES", "C"), ("LANG", "zh_CN.UTF-8")]);
        assert_eq!(resolve(&asked(None, &messages)), Ok(ENGLISH));
        let french = env(&[("LANG", "fr_FR.UTF-8")]);
        assert_eq!(resolve(&asked(None, &french)), Ok(ENGLISH));
        assert_eq!(resolve(&asked(Some("en"), &lc_all)), Ok(ENGLISH));
        let named = env(&[("SOCKLAB_LANG", "zh"), ("LANG", "C")]);
        assert_eq!(resolve(&asked(None, &named)), Ok("zh-CN"));
        let unknown = resolve(&asked(Some("fr"), &lc_all)).unwrap_err();
        assert!(unknown.contains("en") && unknown.contains("zh-CN"), "{unknown}");
    }

    #[test]
    fn only_current_translations_are_used() {
        let po = "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n\
                  msgctxt \"a\"\nmsgid \"One\"\nmsgstr \"一\"\n\n\
                  #, fuzzy\nmsgctxt \"b\"\nmsgid \"Two\"\nmsgstr \"二\"\n\n\
                  msgctxt \"c\"\nmsgid \"Three\"\nmsgstr \"\"\n";
        let translations = Translations::parse(po).unwrap();
        assert_eq!(translations.get("a", "One"), Some("一"));
        assert_eq!(translations.state("a", "One, changed"), State::Stale);
        assert_eq!(translations.get("a", "One, changed"), None);
        assert_eq!(translations.state("b", "Two"), State::Stale);
        assert_eq!(translations.state("c", "Three"), State::Missing);
        assert_eq!(translations.state("d", "Four"), State::Missing);
    }

    #[test]
    fn a_broken_catalogue_is_an_error_not_a_panic() {
        let err = Translations::parse("msgid x\nmsgstr \"\"\n").unwrap_err();
        assert!(err.starts_with("line 1"), "{err}");
    }

    #[test]
    fn every_shipped_catalogue_parses() {
        for lang in available().into_iter().skip(1) {
            for domain in Domain::ALL {
                let text = shipped_text(lang, domain).unwrap();
                Translations::parse(text).unwrap();
            }
        }
    }
}

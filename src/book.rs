//! The book: explanations of every step, one source for the mdBook and the terminal.
//!
//! The chapters in `book/src` are embedded in the binary. Where a chapter says
//! `{{#socklab-step LESSON/STEP}}`, [`expand`] puts the step's heading (with the stable anchor
//! `LESSON-STEP`), its command and its expected output, taken from the lesson file itself, so
//! the book can never show a command the runner no longer uses. The same expansion serves
//! the mdBook preprocessor (`socklab book-preprocessor`, see [`preprocess`]) and
//! `socklab explain` / the runner's "read more", which print one section rendered for the
//! terminal by [`markdown`](crate::markdown).

use std::fmt::Write as _;
use std::io::{Read, Write};

use crate::error::Failure;
use crate::lesson::Check;
use crate::lesson::resolve::{self, ConcreteAction, ConcreteLesson};
use crate::markdown::GLOSSARY_ANCHOR;
use crate::t;

/// `markdown` (a chapter as written) in this run's language, from the book's catalogue
/// (`po/book/<lang>.po`, the one mdbook-gettext uses for the built book): for the terminal,
/// where `socklab explain` and "read more" print sections of it.
pub fn translated(markdown: &str) -> String {
    let lang = crate::language::current();
    if lang == crate::language::ENGLISH {
        return markdown.to_owned();
    }
    translate(markdown, crate::language::shipped(lang, crate::language::Domain::Book))
}

/// Replaces each block of `markdown` (heading, paragraph, list item, table cell) by its
/// current translation in `catalogue`, which mdbook-xgettext keys by the block's text with
/// its lines joined; code blocks, directives and blocks without a current translation stay
/// as they are, and headings keep their `{#anchor}`.
pub fn translate(markdown: &str, catalogue: &crate::language::Translations) -> String {
    translate_blocks(markdown, &mut |english| look_up(catalogue, english))
}

/// The current translation of a block; mdbook-xgettext writes a leading `-` escaped (`\-`).
fn look_up(catalogue: &crate::language::Translations, english: &str) -> Option<String> {
    let escaped = format!("\\{english}");
    let key = if english.starts_with('-') { escaped.as_str() } else { english };
    catalogue.get(key, key).map(str::to_owned)
}

/// The blocks of `markdown` that have no current translation in `catalogue` (for the tests:
/// the terminal must find every paragraph mdbook-xgettext extracted).
pub fn untranslated(markdown: &str, catalogue: &crate::language::Translations) -> Vec<String> {
    let mut missing = Vec::new();
    translate_blocks(markdown, &mut |english| {
        let found = look_up(catalogue, english);
        if found.is_none() {
            missing.push(english.to_owned());
        }
        found
    });
    missing
}

fn translate_blocks(markdown: &str, translation: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let mut look_up = |english: &str| translation(english).unwrap_or_else(|| english.to_owned());
    let mut out = String::with_capacity(markdown.len() * 2);
    let mut lines = markdown.lines().peekable();
    let mut fence: Option<&str> = None;
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            out.push_str(line);
        } else if trimmed.is_empty() || trimmed.starts_with(DIRECTIVE) || is_rule(trimmed) {
            out.push_str(line);
        } else if let Some(level) = heading_level(line) {
            let text = line[level..].trim();
            let (title, anchor) = match text.rfind(" {#") {
                Some(at) if text.ends_with('}') => (&text[..at], &text[at..]),
                _ => (text, ""),
            };
            out.push_str(&format!("{} {}{anchor}", &line[..level], look_up(title.trim())));
        } else if trimmed.starts_with('|') {
            let cells: Vec<String> = trimmed
                .trim_matches('|')
                .split('|')
                .map(|cell| {
                    let cell = cell.trim();
                    if cell.chars().all(|c| matches!(c, '-' | ':' | ' ')) {
                        cell.to_owned()
                    } else {
                        look_up(cell)
                    }
                })
                .collect();
            out.push_str(&format!("| {} |", cells.join(" | ")));
        } else {
            // A list item or a paragraph, with its continuation lines.
            let indent = &line[..line.len() - trimmed.len()];
            let (marker, first) = list_marker(trimmed);
            let mut text = first.trim().to_owned();
            while let Some(next) = lines.peek() {
                let next_trimmed = next.trim_start();
                let ends = next_trimmed.is_empty()
                    || heading_level(next).is_some()
                    || next_trimmed.starts_with('|')
                    || next_trimmed.starts_with("```")
                    || next_trimmed.starts_with(DIRECTIVE)
                    || !list_marker(next_trimmed).0.is_empty();
                if ends {
                    break;
                }
                text.push(' ');
                text.push_str(next_trimmed.trim_end());
                lines.next();
            }
            out.push_str(&format!("{indent}{marker}{}", look_up(&text)));
        }
        out.push('\n');
    }
    out
}

/// A thematic break (`---`, `***`).
fn is_rule(line: &str) -> bool {
    line.len() >= 3 && (line.chars().all(|c| c == '-') || line.chars().all(|c| c == '*'))
}

/// A list item's marker (`- `, `* `, `1. `) and the rest; an empty marker for other lines.
fn list_marker(line: &str) -> (&str, &str) {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return (&line[..2], rest);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(". ") {
        return (&line[..digits + 2], &line[digits + 2..]);
    }
    ("", line)
}

/// The book's chapters, embedded: path under `book/src`, and markdown. A test checks that
/// this list is SUMMARY.md's, and each text the file's.
pub const CHAPTERS: &[(&str, &str)] = &[
    ("introduction.md", include_str!("../book/src/introduction.md")),
    ("sockets.md", include_str!("../book/src/sockets.md")),
    ("lessons/setup.md", include_str!("../book/src/lessons/setup.md")),
    ("lessons/tcp.md", include_str!("../book/src/lessons/tcp.md")),
    ("lessons/udp.md", include_str!("../book/src/lessons/udp.md")),
    ("lessons/unix.md", include_str!("../book/src/lessons/unix.md")),
    ("lessons/firewall.md", include_str!("../book/src/lessons/firewall.md")),
    ("reference/commands.md", include_str!("../book/src/reference/commands.md")),
    ("reference/flags.md", include_str!("../book/src/reference/flags.md")),
    ("reference/lesson-format.md", include_str!("../book/src/reference/lesson-format.md")),
    ("reference/translating.md", include_str!("../book/src/reference/translating.md")),
    ("glossary.md", include_str!("../book/src/glossary.md")),
];

/// The book's table of contents.
pub const SUMMARY: &str = include_str!("../book/src/SUMMARY.md");

const DIRECTIVE: &str = "{{#socklab-step ";

/// The anchor of a step's section: `LESSON-STEP`, always explicit in the heading.
pub fn step_anchor(lesson: &str, step: &str) -> String {
    format!("{lesson}-{step}")
}

/// The lesson a chapter is about: `lessons/tcp.md` is lesson `tcp`.
pub fn chapter_of(lesson: &str) -> String {
    format!("lessons/{lesson}.md")
}

/// Expands every `{{#socklab-step LESSON/STEP}}` line of `markdown` from `lessons`, resolved
/// as the reader should see them (as written for the book; as placed for a run).
pub fn expand(markdown: &str, lessons: &[ConcreteLesson]) -> Result<String, Vec<String>> {
    let mut out = String::with_capacity(markdown.len() * 2);
    let mut problems = Vec::new();
    for (number, line) in markdown.lines().enumerate() {
        let Some(reference) =
            line.trim().strip_prefix(DIRECTIVE).and_then(|r| r.strip_suffix("}}"))
        else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let reference = reference.trim();
        let found = reference.split_once('/').and_then(|(lesson_id, step_id)| {
            let lesson = lessons.iter().find(|l| l.id == lesson_id)?;
            let step = lesson.steps.iter().find(|s| s.id == step_id)?;
            Some((lesson, step))
        });
        let Some((lesson, step)) = found else {
            problems.push(t!("book.unknown_step", line = number + 1, reference = reference));
            continue;
        };
        let _ = writeln!(out, "## {} {{#{}}}\n", step.title, step_anchor(&lesson.id, &step.id));
        match &step.action {
            ConcreteAction::Run(command) => {
                let _ = writeln!(out, "```console\n$ {}\n```\n", command.plain);
            }
            ConcreteAction::Check(check) => {
                let what = match check {
                    Check::Tools => t!("book.check_tools"),
                    Check::Environment => t!("book.check_environment"),
                    Check::Released => t!("book.check_released"),
                };
                let _ = writeln!(out, "*{what}*\n");
            }
        }
        // Readers see a real output: the example where the expectation has patterns.
        if let Some(expected) = step.example.as_ref().or(step.expect.as_ref()) {
            let shown = expected.trim_matches('\n');
            if shown.is_empty() {
                let _ = writeln!(out, "{}\n", t!("book.expect_nothing"));
            } else {
                let _ = writeln!(out, "{}\n\n```text\n{shown}\n```\n", t!("book.expect_heading"));
            }
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// The section of `markdown` whose heading carries `{#anchor}`: from that heading to the next
/// heading of the same or a higher level (code blocks are not searched for headings).
pub fn section(markdown: &str, anchor: &str) -> Option<String> {
    let marker = format!("{{#{anchor}}}");
    let mut level = None;
    let mut in_code = false;
    let mut out = String::new();
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~");
        let heading = if in_code { None } else { heading_level(line) };
        match (level, heading) {
            (None, Some(found)) if line.contains(&marker) => level = Some(found),
            (Some(open), Some(found)) if found <= open => break,
            _ => {}
        }
        if fence {
            in_code = !in_code;
        }
        if level.is_some() {
            out.push_str(line);
            out.push('\n');
        }
    }
    level.map(|_| out)
}

fn heading_level(line: &str) -> Option<usize> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    (1..=6).contains(&hashes).then_some(hashes).filter(|_| line[hashes..].starts_with(' '))
}

/// The embedded chapter at `path`.
pub fn chapter(path: &str) -> Option<&'static str> {
    CHAPTERS.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}

/// The markdown of a lesson's chapter, or of one step's section, expanded from `lessons`.
pub fn lookup(
    lessons: &[ConcreteLesson],
    lesson_id: &str,
    step_id: Option<&str>,
) -> Result<String, Failure> {
    let lesson = lessons.iter().find(|l| l.id == lesson_id).ok_or_else(|| {
        let known: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        Failure::usage(t!("book.unknown_lesson", lesson = lesson_id))
            .hint(t!("book.known_lessons", known = known.join(", ")))
    })?;
    let path = chapter_of(lesson_id);
    let text =
        chapter(&path).ok_or_else(|| Failure::new(t!("book.no_chapter", lesson = lesson_id)))?;
    let text = translated(text);
    let expanded = expand(&text, lessons).map_err(|problems| Failure::new(problems.join("\n")))?;
    match step_id {
        None => Ok(expanded),
        Some(step_id) => {
            let anchor = step_anchor(lesson_id, step_id);
            section(&expanded, &anchor).ok_or_else(|| {
                let known: Vec<&str> = lesson.steps.iter().map(|s| s.id.as_str()).collect();
                Failure::usage(t!("book.unknown_step_id", lesson = lesson_id, step = step_id))
                    .hint(t!("book.known_steps", known = known.join(", ")))
            })
        }
    }
}

/// The glossary's chapter.
const GLOSSARY: &str = "glossary.md";

/// The glossary's terms: (id, as written), in the book's order. The id is what
/// `socklab explain --glossary` takes: the anchor without its `glossary-` prefix (the same in
/// every language); the term as written is in this run's language.
pub fn glossary_terms() -> Vec<(String, String)> {
    let text = translated(chapter(GLOSSARY).unwrap_or_default());
    text.lines()
        .filter_map(|line| {
            let heading = line.strip_prefix("### ")?;
            let (term, anchor) = heading.split_once(" {#")?;
            let id = anchor.strip_suffix('}')?.strip_prefix(GLOSSARY_ANCHOR)?;
            Some((id.to_owned(), term.trim().to_owned()))
        })
        .collect()
}

/// The glossary's entry for `term`, given by id (`recv-q-send-q`) or as written (`Recv-Q and
/// Send-Q`, any case); a usage error listing the terms otherwise.
pub fn glossary_entry(term: &str) -> Result<String, Failure> {
    let wanted = term.trim().to_lowercase().replace(' ', "-");
    let terms = glossary_terms();
    let found = terms
        .iter()
        .find(|(id, written)| *id == wanted || written.to_lowercase().replace(' ', "-") == wanted);
    let text = translated(chapter(GLOSSARY).unwrap_or_default());
    found.and_then(|(id, _)| section(&text, &format!("{GLOSSARY_ANCHOR}{id}"))).ok_or_else(|| {
        let known: Vec<&str> = terms.iter().map(|(id, _)| id.as_str()).collect();
        Failure::usage(t!("book.unknown_term", term = term))
            .hint(t!("book.known_terms", known = known.join(", ")))
    })
}

/// The list of the glossary's terms, as markdown.
pub fn glossary_index() -> String {
    let mut out = format!("{}\n\n", t!("book.glossary_index"));
    for (id, written) in glossary_terms() {
        let _ = writeln!(out, "- `{id}`: {written}");
    }
    out
}

/// What `socklab explain` can explain: every lesson and its steps, with their ids, as
/// markdown.
pub fn explain_index(lessons: &[ConcreteLesson]) -> String {
    let mut out = format!("{}\n\n", t!("book.explain_index"));
    for lesson in lessons {
        let _ = writeln!(out, "- `{}`: {}", lesson.id, lesson.title);
        for step in &lesson.steps {
            let _ = writeln!(out, "  - `{}/{}`: {}", lesson.id, step.id, step.title);
        }
    }
    let _ = writeln!(out, "\n{}", t!("book.explain_glossary"));
    out
}

/// The mdBook preprocessor: `supports RENDERER` answers yes; otherwise reads
/// `[context, book]` as JSON on stdin and writes the book back with every directive expanded
/// (with the lessons' own values, as the tutorial writes them), in the book's language
/// (`book.language`: the lessons' texts and socklab's words come from their catalogues; the
/// book's own paragraphs are translated after this by mdbook-gettext).
pub fn preprocess(args: &[String]) -> Result<std::process::ExitCode, Failure> {
    if args.first().is_some_and(|a| a == "supports") {
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|err| {
        Failure::new(t!("book.preprocess_io", error = crate::net::io_reason(&err)))
    })?;
    let output = preprocess_json(&input)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(output.as_bytes()).map_err(|err| {
        Failure::new(t!("book.preprocess_io", error = crate::net::io_reason(&err)))
    })?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The preprocessor's work on the JSON text mdBook sends: returns the book's JSON.
///
/// For the `xgettext` renderer (which extracts the book's catalogue template), the directives
/// are left out: what they generate is translated from the lessons' catalogue, not the book's.
pub fn preprocess_json(input: &str) -> Result<String, Failure> {
    let (context, mut book): (serde_json::Value, serde_json::Value) =
        serde_json::from_str(input)
            .map_err(|err| Failure::new(t!("book.preprocess_json", error = err)))?;
    let language = context.pointer("/config/book/language").and_then(|l| l.as_str());
    crate::language::set_from_locale(language.unwrap_or(crate::language::ENGLISH));
    let extracting = context.get("renderer").and_then(|r| r.as_str()) == Some("xgettext");
    let loaded = if extracting {
        None
    } else {
        let lessons = crate::lesson::load::load(None)?;
        Some(lessons.iter().map(resolve::as_written).collect::<Vec<_>>())
    };
    let lessons = loaded.as_deref();
    let mut problems = Vec::new();
    // mdBook 0.5 calls the chapter list `items`; 0.4 called it `sections`.
    for key in ["items", "sections"] {
        if let Some(items) = book.get_mut(key).and_then(serde_json::Value::as_array_mut) {
            for item in items {
                expand_item(item, lessons, &mut problems);
            }
        }
    }
    if !problems.is_empty() {
        return Err(Failure::new(problems.join("\n")));
    }
    serde_json::to_string(&book)
        .map_err(|err| Failure::new(t!("book.preprocess_json", error = err)))
}

/// Expands one chapter's directives (`lessons` is `None` while the catalogue template is
/// extracted: then the directive lines are dropped).
fn expand_item(
    item: &mut serde_json::Value,
    lessons: Option<&[ConcreteLesson]>,
    problems: &mut Vec<String>,
) {
    let Some(chapter) = item.get_mut("Chapter") else { return };
    let name = chapter.get("path").and_then(|p| p.as_str()).unwrap_or_default().to_owned();
    if let Some(content) = chapter.get_mut("content")
        && let Some(text) = content.as_str()
    {
        let expanded = match lessons {
            Some(lessons) => expand(text, lessons),
            None => Ok(text
                .lines()
                .filter(|line| !line.trim().starts_with(DIRECTIVE))
                .map(|line| format!("{line}\n"))
                .collect()),
        };
        match expanded {
            Ok(expanded) => *content = serde_json::Value::String(expanded),
            Err(found) => problems.extend(found.into_iter().map(|p| format!("{name}: {p}"))),
        }
    }
    if let Some(children) = chapter.get_mut("sub_items").and_then(serde_json::Value::as_array_mut) {
        for child in children {
            expand_item(child, lessons, problems);
        }
    }
}

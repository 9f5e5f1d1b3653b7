//! The book: its table of contents, one section per step with a stable anchor, links that
//! resolve (anchors included), the embedded copy, `socklab explain`, and the mdBook
//! preprocessor. No mdbook needed, except for the one build test, skipped without it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag};
use socklab::book;
use socklab::lesson::Lesson;

use crate::support::socklab;

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src")
}

fn lessons() -> Vec<Lesson> {
    socklab::lesson::shipped().unwrap()
}

/// The chapter paths SUMMARY.md links to, in order.
fn summary_chapters() -> Vec<String> {
    let summary = std::fs::read_to_string(book_src().join("SUMMARY.md")).unwrap();
    Parser::new(&summary)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) if !dest_url.is_empty() => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

/// Each chapter expanded as the book shows it.
fn expanded_chapters() -> BTreeMap<String, String> {
    let lessons: Vec<_> = lessons().iter().map(socklab::lesson::resolve::as_written).collect();
    summary_chapters()
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(book_src().join(&path)).unwrap();
            let expanded = book::expand(&text, &lessons)
                .unwrap_or_else(|problems| panic!("{path}: {problems:?}"));
            (path, expanded)
        })
        .collect()
}

fn heading_ids(markdown: &str) -> Vec<String> {
    Parser::new_ext(markdown, Options::ENABLE_HEADING_ATTRIBUTES)
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect()
}

fn headings_without_id(markdown: &str) -> usize {
    Parser::new_ext(markdown, Options::ENABLE_HEADING_ATTRIBUTES)
        .filter(|event| matches!(event, Event::Start(Tag::Heading { id: None, .. })))
        .count()
}

#[test]
fn every_chapter_in_the_summary_exists_and_is_embedded_as_is() {
    let chapters = summary_chapters();
    assert!(!chapters.is_empty());
    for path in &chapters {
        let on_disk = std::fs::read_to_string(book_src().join(path))
            .unwrap_or_else(|err| panic!("SUMMARY.md lists {path}, which cannot be read: {err}"));
        assert_eq!(
            book::chapter(path),
            Some(on_disk.as_str()),
            "{path} is not embedded as it is on disk"
        );
    }
    let embedded: BTreeSet<&str> = book::CHAPTERS.iter().map(|(path, _)| *path).collect();
    let listed: BTreeSet<&str> = chapters.iter().map(String::as_str).collect();
    assert_eq!(embedded, listed, "the embedded chapters and SUMMARY.md differ");
    assert_eq!(book::SUMMARY, std::fs::read_to_string(book_src().join("SUMMARY.md")).unwrap());
}

#[test]
fn every_step_has_exactly_one_section_in_its_lessons_chapter() {
    let chapters = expanded_chapters();
    let mut all_ids = BTreeMap::new();
    for (path, text) in &chapters {
        assert_eq!(
            headings_without_id(text),
            0,
            "{path} has a heading without an explicit {{#id}}"
        );
        for id in heading_ids(text) {
            if let Some(other) = all_ids.insert(id.clone(), path.clone()) {
                panic!("the anchor #{id} is used in {other} and in {path}");
            }
        }
    }
    for lesson in lessons() {
        let chapter = book::chapter_of(&lesson.id);
        let text = chapters
            .get(&chapter)
            .unwrap_or_else(|| panic!("no chapter {chapter} for {}", lesson.id));
        let mut last = 0;
        for step in &lesson.steps {
            let anchor = book::step_anchor(&lesson.id, &step.id);
            assert_eq!(all_ids.get(&anchor), Some(&chapter), "#{anchor} is not in {chapter}");
            let directive = format!("{{{{#socklab-step {}/{}}}}}", lesson.id, step.id);
            let raw = book::chapter(&chapter).unwrap();
            assert_eq!(raw.matches(&directive).count(), 1, "{directive} must appear exactly once");
            let at = raw.find(&directive).unwrap();
            assert!(at >= last, "{directive} is out of the lesson's order");
            last = at;
            let section = book::section(text, &anchor).unwrap();
            let prose = section.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
            assert!(prose > 3, "the section #{anchor} explains nothing:\n{section}");
        }
    }
}

#[test]
fn every_relative_link_resolves_with_its_anchor() {
    let chapters = expanded_chapters();
    let ids: BTreeMap<&String, BTreeSet<String>> = chapters
        .iter()
        .map(|(path, text)| (path, heading_ids(text).into_iter().collect()))
        .collect();
    let mut broken = Vec::new();
    for (path, text) in &chapters {
        let dir = Path::new(path).parent().unwrap_or(Path::new(""));
        for event in Parser::new_ext(text, Options::ENABLE_HEADING_ATTRIBUTES) {
            let Event::Start(Tag::Link { dest_url, .. }) = event else { continue };
            if dest_url.contains("://") || dest_url.starts_with("mailto:") {
                continue;
            }
            // The same book in another language is built beside this one, not from it.
            let language = dest_url.split('/').next().unwrap_or_default();
            if socklab::language::available().contains(&language) {
                continue;
            }
            let (file, anchor) = match dest_url.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (&*dest_url, None),
            };
            let target = if file.is_empty() { path.clone() } else { normalize(&dir.join(file)) };
            match ids.get(&target) {
                None => broken.push(format!("{path}: {dest_url} (no chapter {target})")),
                Some(found) => {
                    if let Some(anchor) = anchor.filter(|a| !found.contains(*a)) {
                        broken.push(format!("{path}: {dest_url} (no #{anchor} in {target})"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

fn normalize(path: &Path) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.to_str().unwrap().split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[test]
fn explain_prints_a_steps_section_for_the_terminal() {
    let output =
        socklab().args(["explain", "tcp/inspect-ipv4"]).env("COLUMNS", "80").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("List the IPv4 TCP listeners\n"), "{text}");
    assert!(text.contains("    $ ss -4 -tln\n"), "{text}");
    // The step's example output, never the matcher's patterns.
    assert!(text.contains("LISTEN 0      5            0.0.0.0:8080"), "{text}");
    assert!(!text.contains("{?") && !text.contains("    ...\n"), "{text}");
    assert!(!text.contains("{#"), "anchors are not shown: {text}");
    assert!(!text.contains('\u{1b}'), "no colour without a terminal");
    assert!(text.lines().all(|l| l.chars().count() <= 80 || l.starts_with("    ")), "{text}");
    let lesson = socklab().args(["explain", "unix"]).output().unwrap();
    assert!(
        String::from_utf8(lesson.stdout).unwrap().contains("Look at the socket files with stat")
    );
}

#[test]
fn explain_refuses_unknown_lessons_and_steps() {
    let output = socklab().args(["explain", "tcp/nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("has no step `nope`")
            && stderr.contains("hint: its steps are: listen-ipv4"),
        "{stderr}"
    );
    let output = socklab().args(["explain", "nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_preprocessor_expands_directives_in_mdbooks_json() {
    let supports = socklab().args(["book-preprocessor", "supports", "html"]).status().unwrap();
    assert!(supports.success());
    let input = serde_json::json!([
        {"root": "/book", "config": {}, "renderer": "html", "mdbook_version": "0.5.4"},
        {"items": [{"Chapter": {
            "name": "TCP", "path": "lessons/tcp.md", "number": [1], "parent_names": [],
            "content": "# TCP {#tcp}\n\n{{#socklab-step tcp/probe-ipv4}}\n\nWhy.\n",
            "sub_items": [{"Chapter": {"name": "inner", "content": "{{#socklab-step udp/clean}}", "sub_items": []}}]
        }}, "Separator"]}
    ]);
    let output = socklab::book::preprocess_json(&input.to_string()).unwrap();
    let book: serde_json::Value = serde_json::from_str(&output).unwrap();
    let content = book["items"][0]["Chapter"]["content"].as_str().unwrap();
    assert!(content.contains("## Connect over IPv4 {#tcp-probe-ipv4}"), "{content}");
    assert!(content.contains("$ nc -4 -vz 127.0.0.1 8080"), "{content}");
    assert!(
        content.contains("Connection to 127.0.0.1 8080 port [tcp/http-alt] succeeded!"),
        "{content}"
    );
    let inner = book["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"].as_str().unwrap();
    assert!(inner.contains("{#udp-clean}"), "{inner}");
    assert_eq!(book["items"][1], "Separator");
    let bad = input.to_string().replace("tcp/probe-ipv4", "tcp/nope");
    assert!(socklab::book::preprocess_json(&bad).is_err());
}

#[test]
fn mdbook_builds_the_book_with_socklab_as_preprocessor() {
    let Ok(mdbook) = which::which("mdbook") else {
        eprintln!("notice: mdbook is not installed; skipping the book build (CI builds it)");
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(mdbook)
        .arg("build")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("book"))
        .arg("--dest-dir")
        .arg(out.path())
        .env(
            "MDBOOK_PREPROCESSOR__SOCKLAB__COMMAND",
            format!("{} book-preprocessor", env!("CARGO_BIN_EXE_socklab")),
        )
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tcp = std::fs::read_to_string(out.path().join("lessons/tcp.html")).unwrap();
    assert!(tcp.contains(r#"id="tcp-inspect-ipv4""#));
    assert!(tcp.contains("ss -4 -tln"));
}

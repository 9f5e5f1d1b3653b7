//! Languages: choosing one (`--lang`, `SOCKLAB_LANG`, the locale), the Chinese lab and book,
//! and the gettext catalogues' templates and staleness.
//!
//! The templates (`po/*/messages.pot`) are generated from the English sources and compared
//! with the committed files; after changing an English text, refresh them and merge them into
//! each catalogue with
//!
//! ```console
//! $ SOCKLAB_PO=overwrite cargo test --test it language::templates
//! $ msgmerge --update --previous --backup=off po/lessons/zh-CN.po po/lessons/messages.pot
//! ```

use std::path::Path;

/// The command that rewrites the templates from the English sources.
const REFRESH: &str = "SOCKLAB_PO=overwrite cargo test --test it language::templates";

/// `--help`'s texts, which the messages catalogue translates too.
fn help_texts() -> Vec<(String, String)> {
    use clap::CommandFactory;
    socklab::help::texts(&socklab::cli::Cli::command())
}

#[test]
fn templates_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lessons = socklab::lesson::shipped_english().expect("the shipped lessons load");
    let generated = [
        ("po/lessons/messages.pot", socklab::lesson::translation::template(&lessons)),
        ("po/messages/messages.pot", socklab::text::template_pot(help_texts())),
    ];
    let overwrite = std::env::var("SOCKLAB_PO").is_ok_and(|v| v == "overwrite");
    let mut stale = Vec::new();
    for (path, text) in generated {
        let path = root.join(path);
        if overwrite {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(stale.is_empty(), "out of date: {}; refresh with `{REFRESH}`", stale.join(", "));
}

/// `socklab ARGS` in a lab of its own, with the locale variables set to `vars` (and no
/// `SOCKLAB_LANG`, which the test helpers set to English).
fn run_with(vars: &[(&str, &str)], args: &[&str]) -> crate::support::Outcome {
    let lab = crate::support::Lab::new();
    let mut command = lab.command(args);
    for name in ["SOCKLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    crate::support::Outcome {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const CHINESE: &[(&str, &str)] = &[("LANG", "zh_CN.UTF-8")];

#[test]
fn a_chinese_locale_gets_chinese_titles_and_verdicts() {
    let out = run_with(CHINESE, &["run", "setup"]);
    out.assert_status(0);
    assert!(out.stdout.contains("实验需要什么"), "{}", out.stdout);
    assert!(out.stdout.contains("[通过]"), "{}", out.stdout);
    assert!(out.stdout.contains("3 通过，0 失败"), "{}", out.stdout);
    // LC_ALL wins over LANG, as POSIX orders them.
    let out = run_with(&[("LC_ALL", "zh_SG.UTF-8"), ("LANG", "en_US.UTF-8")], &["run", "setup"]);
    assert!(out.stdout.contains("实验需要什么"), "{}", out.stdout);
}

#[test]
fn lang_en_overrides_the_locale_and_unknown_locales_are_english() {
    for (vars, args) in [
        (CHINESE, &["--lang", "en", "run", "setup"][..]),
        (CHINESE, &["run", "setup", "--lang", "en"][..]),
        (&[("LANG", "fr_FR.UTF-8")][..], &["run", "setup"][..]),
        (&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")][..], &["run", "setup"][..]),
    ] {
        let out = run_with(vars, args);
        out.assert_status(0);
        assert!(out.stdout.contains("What the lab needs"), "{args:?}: {}", out.stdout);
        assert!(out.stdout.contains("[pass]"), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn an_unknown_language_asked_for_by_name_is_an_error_listing_the_languages() {
    for (vars, args) in [
        (&[][..], &["--lang", "fr", "run", "setup"][..]),
        (&[("SOCKLAB_LANG", "tlh")][..], &["run", "setup"][..]),
    ] {
        let out = run_with(vars, args);
        out.assert_status(2);
        assert!(out.stderr.contains("socklab: error:"), "{}", out.stderr);
        assert!(out.stderr.contains("en, zh-CN"), "{}", out.stderr);
    }
}

#[test]
fn json_is_the_same_in_both_languages_but_for_the_human_texts() {
    let english = run_with(&[], &["run", "setup", "--format", "json"]);
    let chinese = run_with(CHINESE, &["run", "setup", "--format", "json"]);
    let records = |out: &crate::support::Outcome| -> Vec<serde_json::Value> {
        out.stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    };
    let (english, chinese) = (records(&english), records(&chinese));
    assert_eq!(english.len(), chinese.len());
    assert!(chinese.iter().any(|r| r["title"].as_str().is_some_and(|t| t.contains("真实工具"))));
    // The human texts: the title, and the notes and preface socklab writes for a person.
    let machine = |record: &serde_json::Value| {
        let mut record = record.clone();
        let object = record.as_object_mut().unwrap();
        for human in ["title", "notes", "preface", "observed"] {
            object.remove(human);
        }
        record
    };
    for (en, zh) in english.iter().zip(&chinese) {
        let (en_keys, zh_keys): (Vec<_>, Vec<_>) =
            (en.as_object().unwrap().keys().collect(), zh.as_object().unwrap().keys().collect());
        assert_eq!(en_keys, zh_keys, "the same fields");
        assert_eq!(machine(en), machine(zh));
    }
}

#[test]
fn every_shipped_lesson_and_message_is_translated_and_current_in_chinese() {
    use socklab::language::{Domain, State, shipped};
    let lessons = socklab::lesson::shipped_english().unwrap();
    let untranslated =
        socklab::lesson::translation::report(&lessons, shipped("zh-CN", Domain::Lessons));
    assert!(untranslated.is_empty(), "lessons without a current zh-CN text: {untranslated:#?}");
    let messages = shipped("zh-CN", Domain::Messages);
    let stale: Vec<String> = socklab::text::all_texts(&help_texts())
        .into_iter()
        .filter(|(key, english)| messages.state(key, english) != State::Current)
        .map(|(key, _)| key)
        .collect();
    assert!(stale.is_empty(), "messages without a current zh-CN text: {stale:?}");
}

/// A lesson directory with the setup lesson and its Chinese catalogue (the shipped one).
fn translated_lesson_dir() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root.join("lessons/01-setup.toml"), dir.path().join("01-setup.toml")).unwrap();
    std::fs::create_dir(dir.path().join("po")).unwrap();
    std::fs::copy(root.join("po/lessons/zh-CN.po"), dir.path().join("po/zh-CN.po")).unwrap();
    dir
}

fn lint(dir: &Path) -> crate::support::Outcome {
    run_with(&[], &["lint", &dir.display().to_string()])
}

#[test]
fn lint_reports_removed_and_outdated_translations() {
    let dir = translated_lesson_dir();
    let clean = lint(dir.path());
    assert!(!clean.stdout.contains("zh-CN"), "{}", clean.stdout);
    assert!(clean.stderr.contains("zh-CN: 13 of 13 texts"), "{}", clean.stderr);

    // A removed entry: missing.
    let po = dir.path().join("po/zh-CN.po");
    let text = std::fs::read_to_string(&po).unwrap();
    let removed = text.replace("msgctxt \"setup/tools/title\"", "msgctxt \"setup/gone/title\"");
    std::fs::write(&po, removed).unwrap();
    // An English text changed since it was translated: stale, and shown in English.
    let lesson = dir.path().join("01-setup.toml");
    let english = std::fs::read_to_string(&lesson).unwrap();
    let changed =
        english.replace("title = \"What this host allows\"", "title = \"What this host permits\"");
    std::fs::write(&lesson, changed).unwrap();

    let found = lint(dir.path());
    found.assert_status(1);
    let missing = "setup/tools/title: no zh-CN translation";
    assert!(found.stdout.contains(missing), "{}", found.stdout);
    let stale = "setup/environment/title: the zh-CN translation is stale";
    assert!(found.stdout.contains(stale), "{}", found.stdout);
    assert!(found.stderr.contains("zh-CN: 11 of 13 texts"), "{}", found.stderr);

    let lab = crate::support::Lab::new().with_lessons(dir.path());
    let mut command = lab.command(&["--lang", "zh-CN", "run", "setup"]);
    let shown = String::from_utf8_lossy(&command.output().unwrap().stdout).into_owned();
    assert!(shown.contains("What this host permits"), "the stale text falls back: {shown}");
    assert!(shown.contains("Which real tools are installed"), "{shown}");
    assert!(shown.contains("实验需要什么"), "the current texts stay translated: {shown}");
}

#[test]
fn a_broken_catalogue_is_a_clear_error() {
    let dir = translated_lesson_dir();
    std::fs::write(dir.path().join("po/zh-CN.po"), "msgid unquoted\n").unwrap();
    let lab = crate::support::Lab::new().with_lessons(dir.path());
    let output = lab.command(&["--lang", "zh-CN", "run", "setup"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("po/zh-CN.po") && stderr.contains("line 1"), "{stderr}");
}

#[test]
fn every_paragraph_of_the_book_is_translated_and_current_in_chinese() {
    let untranslated = socklab::language::book_report("zh-CN");
    let shown: Vec<&str> = untranslated.iter().take(10).map(|(e, _)| e.as_str()).collect();
    assert!(
        untranslated.is_empty(),
        "{} paragraphs of the book without a current zh-CN text, such as {shown:#?}",
        untranslated.len()
    );
}

/// `mdbook` and mdbook-i18n-helpers, where installed (else the reason they are not).
fn mdbook_with_gettext() -> Result<(), String> {
    for tool in ["mdbook", "mdbook-gettext", "mdbook-xgettext"] {
        if which::which(tool).is_err() {
            return Err(format!("{tool} is not installed"));
        }
    }
    Ok(())
}

fn mdbook(book: &Path, env: &[(&str, &str)], args: &[&str]) {
    let preprocessor = format!("{} book-preprocessor", env!("CARGO_BIN_EXE_socklab"));
    let mut command = std::process::Command::new("mdbook");
    command.arg("build").arg(book).args(args);
    command.env("MDBOOK_PREPROCESSOR__SOCKLAB__COMMAND", preprocessor);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mdbook build {args:?} failed:\n{stderr}");
}

#[test]
fn the_book_template_is_current_and_both_books_build() {
    if let Err(why) = mdbook_with_gettext() {
        eprintln!(
            "notice: {why}; skipping the book builds (see book/src/reference/translating.md)"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    // The template, extracted again from book/src, has the committed one's paragraphs.
    let pot = out.path().join("pot");
    mdbook(
        &root.join("book"),
        &[("MDBOOK_OUTPUT", r#"{"xgettext": {}}"#)],
        &["-d", &pot.display().to_string()],
    );
    let extracted = std::fs::read_to_string(pot.join("messages.pot")).unwrap();
    let paragraphs = |pot: &str| {
        let parsed = socklab::language::Translations::parse(pot).unwrap();
        let mut keys: Vec<String> = parsed.keys().map(str::to_owned).collect();
        keys.sort();
        keys
    };
    assert!(
        paragraphs(&extracted) == paragraphs(socklab::language::BOOK_TEMPLATE),
        "po/book/messages.pot is out of date: refresh it with \
         MDBOOK_OUTPUT='{{\"xgettext\": {{}}}}' mdbook build book -d po/book"
    );

    let english = out.path().join("en");
    let chinese = english.join("zh-CN");
    mdbook(&root.join("book"), &[], &["-d", &english.display().to_string()]);
    mdbook(
        &root.join("book"),
        &[("MDBOOK_BOOK__LANGUAGE", "zh-CN")],
        &["-d", &chinese.display().to_string()],
    );
    let page = |dir: &Path, path: &str| std::fs::read_to_string(dir.join(path)).unwrap();
    let (en, zh) = (page(&english, "lessons/tcp.html"), page(&chinese, "lessons/tcp.html"));
    assert!(en.contains("Listen on every IPv4 address") && !en.contains("监听"));
    assert!(zh.contains("在所有 IPv4 地址上监听"), "the step titles are Chinese");
    assert!(zh.contains("流套接字"), "the chapter's text is Chinese");
    assert!(zh.contains("socat TCP4-LISTEN:8080,fork /dev/null &amp;"), "the commands stay");
    assert!(page(&english, "introduction.html").contains("zh-CN/introduction.html"));
    assert!(page(&chinese, "introduction.html").contains("../introduction.html"));
}

/// Lines of `screen` (joined as tmux wrapped them) that are wider than `columns`: the
/// terminal had to break them, perhaps in the middle of a wide character.
fn too_wide(screen: &str, columns: usize) -> Vec<String> {
    screen
        .lines()
        .filter(|line| textwrap::core::display_width(line) > columns)
        .map(str::to_owned)
        .collect()
}

/// Each title of `screen` followed by its `=` underline: (title, underline).
fn underlined(screen: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = screen.lines().collect();
    lines
        .windows(2)
        .filter(|pair| !pair[1].is_empty() && pair[1].chars().all(|c| c == '='))
        .map(|pair| (pair[0].trim_end().to_owned(), pair[1].to_owned()))
        .collect()
}

#[test]
fn the_chinese_tour_fits_a_terminal_of_80_columns() {
    let state = tempfile::tempdir().unwrap();
    let sockets = crate::support::short_tempdir();
    let command = vec![
        env!("CARGO_BIN_EXE_socklab").to_owned(),
        "--port-offset".to_owned(),
        crate::support::free_offset().to_string(),
        "--socket-dir".to_owned(),
        sockets.path().display().to_string(),
    ];
    let env = [
        ("XDG_STATE_HOME", state.path().display().to_string()),
        ("NO_COLOR", "1".to_owned()),
        ("TERM", "xterm-256color".to_owned()),
        ("LANG", "zh_CN.UTF-8".to_owned()),
        // Empty is unset for socklab: the test's own locale must not win over LANG.
        ("SOCKLAB_LANG", String::new()),
        ("LC_ALL", String::new()),
        ("LC_MESSAGES", String::new()),
    ];
    let Some(tmux) = crate::tour::Tmux::start_sized(&command, &env, (80, 24)) else { return };
    // The setup lesson's three steps, each run from its prompt.
    for step in 1..=3 {
        let marker = format!("第 {step}/3 步");
        tmux.wait_for("a step's prompt", |screen| {
            screen.contains(&marker) && tmux.visible().contains("接下来做什么？")
        });
        tmux.run(&["send-keys", "Enter"]);
    }
    let screen = tmux.wait_for("the end of the lesson", |screen| screen.contains("回顾"));
    assert!(screen.contains("实验需要什么"), "{screen}");
    assert!(screen.contains("装了哪些真实工具"), "{screen}");
    let wide = too_wide(&screen, 80);
    assert!(wide.is_empty(), "lines the terminal had to break: {wide:#?}");
    let titles = underlined(&screen);
    assert!(titles.iter().any(|(title, _)| title.contains("实验需要什么")), "{screen}");
    for (title, line) in titles {
        let (title_width, line_width) = (textwrap::core::display_width(&title), line.len());
        assert_eq!(title_width, line_width, "{title:?} is underlined by {line:?}");
    }
}

#[test]
fn the_terminal_finds_the_translation_of_every_paragraph_of_the_book() {
    let catalogue = socklab::language::shipped("zh-CN", socklab::language::Domain::Book);
    let mut missing = Vec::new();
    for (path, text) in socklab::book::CHAPTERS {
        for block in socklab::book::untranslated(text, catalogue) {
            missing.push(format!("{path}: {block}"));
        }
    }
    assert!(missing.is_empty(), "blocks `socklab explain` would show in English: {missing:#?}");
}

#[test]
fn help_is_in_the_readers_language() {
    let chinese = run_with(CHINESE, &["run", "--help"]);
    chinese.assert_status(0);
    assert!(chinese.stdout.contains("用法：socklab run"), "{}", chinese.stdout);
    assert!(chinese.stdout.contains("不加提示地运行课程"), "{}", chinese.stdout);
    let english = run_with(CHINESE, &["--lang", "en", "run", "--help"]);
    assert!(english.stdout.contains("Usage: socklab run"), "{}", english.stdout);
    assert!(english.stdout.contains("Run lessons without prompts"), "{}", english.stdout);
}

/// A command line clap cannot parse is explained in the reader's language too, with the
/// usage status; in English it stays clap's own text.
#[test]
fn a_command_line_error_is_in_the_readers_language() {
    let chinese = run_with(CHINESE, &["run", "--bogus"]);
    assert_eq!(chinese.status, Some(2), "{}", chinese.stderr);
    assert!(chinese.stderr.contains("socklab: 错误："), "{}", chinese.stderr);
    assert!(chinese.stderr.contains("--bogus"), "{}", chinese.stderr);
    assert!(!chinese.stderr.contains("unexpected argument"), "{}", chinese.stderr);
    let unknown = run_with(CHINESE, &["frob"]);
    assert!(unknown.stderr.contains("没有 frob 这个命令"), "{}", unknown.stderr);
    let english = run_with(&[("LANG", "en_US.UTF-8")], &["run", "--bogus"]);
    assert_eq!(english.status, Some(2));
    assert!(english.stderr.contains("unexpected argument '--bogus'"), "{}", english.stderr);
}

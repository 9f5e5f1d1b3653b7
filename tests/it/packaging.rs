//! The man pages and shell completions that the Debian package installs (`assets/`), checked
//! against the clap definitions so they never drift from `--help`.
//!
//! They are generated here, in memory, from `socklab::cli::Cli::command()` with clap_mangen
//! and clap_complete, and compared with the committed files; `cargo deb` then only copies
//! them (it runs no code of ours). After a change to the command line, refresh them with
//!
//! ```console
//! $ SOCKLAB_ASSETS=overwrite cargo test --test it packaging::
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

/// The command that rewrites `assets/` from the clap definitions.
const REFRESH: &str = "SOCKLAB_ASSETS=overwrite cargo test --test it packaging::";

/// Every generated file, by its path under `assets/`.
fn generated() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();

    // As clap_mangen::generate_to does: one page per visible (sub)command, named by clap's
    // display name (`socklab-inspect`), without the `help` subcommand. Rendered in memory.
    let mut command = socklab::cli::Cli::command().disable_help_subcommand(true);
    command.build();
    // Every page's footer names the program and its version (clap_mangen would give a
    // subcommand's page only the subcommand's name).
    let source = format!("socklab {}", command.get_version().unwrap_or_default());
    let mut pending = vec![command];
    while let Some(command) = pending.pop() {
        pending.extend(command.get_subcommands().filter(|sub| !sub.is_hide_set()).cloned());
        let page = clap_mangen::Man::new(command).source(&source);
        let mut roff = Vec::new();
        page.render(&mut roff).expect("rendering into memory cannot fail");
        files.insert(format!("man/{}", page.get_filename()), roff);
    }

    for (shell, name) in
        [(Shell::Bash, "socklab.bash"), (Shell::Zsh, "_socklab"), (Shell::Fish, "socklab.fish")]
    {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut socklab::cli::Cli::command(), "socklab", &mut script);
        files.insert(format!("completions/{name}"), script);
    }
    files
}

fn assets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// The files under `assets/man` and `assets/completions`, by their path under `assets/`.
fn committed() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for dir in ["man", "completions"] {
        let Ok(entries) = std::fs::read_dir(assets_dir().join(dir)) else { continue };
        for entry in entries {
            let path = entry.expect("assets/ can be listed").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).expect("a file in assets/ can be read");
            files.insert(format!("{dir}/{name}"), bytes);
        }
    }
    files
}

#[test]
fn man_pages_and_completions_match_the_command_line() {
    let expected = generated();
    let found = committed();
    if std::env::var_os("SOCKLAB_ASSETS").is_some_and(|value| value == "overwrite") {
        for stale in found.keys().filter(|name| !expected.contains_key(*name)) {
            std::fs::remove_file(assets_dir().join(stale)).expect("a stale asset can be removed");
        }
        for (name, bytes) in &expected {
            let path = assets_dir().join(name);
            std::fs::create_dir_all(path.parent().expect("under assets/")).expect("mkdir");
            std::fs::write(path, bytes).expect("an asset can be written");
        }
        return;
    }
    let missing: Vec<&String> = expected.keys().filter(|name| !found.contains_key(*name)).collect();
    let stale: Vec<&String> = found.keys().filter(|name| !expected.contains_key(*name)).collect();
    let changed: Vec<&String> = expected
        .iter()
        .filter(|(name, bytes)| found.get(*name) != Some(bytes))
        .map(|(n, _)| n)
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty() && changed.is_empty(),
        "assets/ no longer matches the command line (missing {missing:?}, stale {stale:?}, \
         out of date {changed:?}); refresh it with\n    {REFRESH}"
    );
}

#[test]
fn one_man_page_per_visible_subcommand_and_none_for_hidden_ones() {
    let files = generated();
    assert!(files.contains_key("man/socklab.1"));
    for sub in socklab::cli::Cli::command().get_subcommands() {
        let page = format!("man/socklab-{}.1", sub.get_name());
        assert_eq!(files.contains_key(&page), !sub.is_hide_set(), "{page}");
    }
    // A subcommand's page shows how to call it, under its full name.
    let inspect = String::from_utf8_lossy(&files["man/socklab-inspect.1"]).into_owned();
    assert!(inspect.contains("\\fBsocklab inspect\\fR"), "{inspect}");
}

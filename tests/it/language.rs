//! Languages: choosing one (`--lang`, `SOCKLAB_LANG`, the locale), the Chinese lab and book,
//! and the gettext catalogues' templates and staleness.
//!
//! The templates (`po/*/messages.pot`) are generated from the English sources and compared
//! with the committed files; after changing an English text, refresh them and merge them into
//! each catalogue with
//!
//! ```console
//! $ SOCKLAB_PO=overwrite cargo test --test it language::templates
//! $ msgmerge --update --backup=off po/lessons/zh-CN.po po/lessons/messages.pot
//! ```

use std::path::Path;

/// The command that rewrites the templates from the English sources.
const REFRESH: &str = "SOCKLAB_PO=overwrite cargo test --test it language::templates";

#[test]
fn templates_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lessons = socklab::lesson::shipped_english().expect("the shipped lessons load");
    let generated = [
        ("po/lessons/messages.pot", socklab::lesson::translation::template(&lessons)),
        ("po/messages/messages.pot", socklab::text::template_pot()),
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

//! Embeds the translation catalogues: every `po/<domain>/<lang>.po` (domains `messages`,
//! `lessons` and `book`) becomes one entry of `CATALOGUES` in `$OUT_DIR/catalogues.rs`, so a
//! translator adds a language by adding its `.po` files, without touching the code.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const DOMAINS: [&str; 3] = ["messages", "lessons", "book"];

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let po = Path::new(&root).join("po");
    println!("cargo::rerun-if-changed=po");
    // The functions start-up runs, placed together at the start of the code (see the file):
    // a linker script that only adds a section before .text (INSERT), for GNU ld and lld.
    let order = Path::new(&root).join("link/startup-order.ld");
    println!("cargo::rerun-if-changed={}", order.display());
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        // -Xlinker passes the path as it is (-Wl would split it at commas).
        for arg in ["-Xlinker", "-T", "-Xlinker", &order.display().to_string()] {
            println!("cargo::rustc-link-arg-bins={arg}");
        }
    }
    // language → the path of each domain's catalogue (absent ones stay empty).
    let mut languages: BTreeMap<String, [Option<String>; 3]> = BTreeMap::new();
    for (index, domain) in DOMAINS.iter().enumerate() {
        let dir = po.join(domain);
        println!("cargo::rerun-if-changed={}", dir.display());
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "po") {
                continue;
            }
            let Some(language) = path.file_stem().and_then(|s| s.to_str()) else { continue };
            println!("cargo::rerun-if-changed={}", path.display());
            languages.entry(language.to_owned()).or_default()[index] =
                Some(path.display().to_string());
        }
    }
    let mut out = String::from(
        "/// The shipped catalogues: (language, messages, lessons, book), each a `.po` text.\n\
         pub const CATALOGUES: &[(&str, &str, &str, &str)] = &[\n",
    );
    for (language, paths) in &languages {
        let texts: Vec<String> = paths
            .iter()
            .map(|path| match path {
                Some(path) => format!("include_str!({path:?})"),
                None => "\"\"".to_owned(),
            })
            .collect();
        let _ = writeln!(out, "    ({language:?}, {}),", texts.join(", "));
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalogues.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

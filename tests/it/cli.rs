//! The herd of command-line behaviours, as trycmd cases in tests/cmd/*.toml: each names the
//! arguments, the exit status and the exact output. `TRYCMD=overwrite cargo test cli` updates
//! them after a deliberate change.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("socklab", std::path::PathBuf::from(env!("CARGO_BIN_EXE_socklab")))
        .env("NO_COLOR", "1")
        .env("SOCKLAB_LANG", "en")
        .env("HOME", "/nonexistent")
        .case("tests/cmd/*.toml");
}

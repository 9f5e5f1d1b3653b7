//! `--help` in the reader's language.
//!
//! clap's help comes from the doc comments of the definitions in [`cli`](crate::cli), which
//! stay the English source (the man pages and completions are made from them). For another
//! language, [`localized`] puts each text's translation from the messages catalogue in place
//! before parsing: the keys are `help.PATH.about`, `help.PATH.long_about` and
//! `help.PATH.ARG` (`PATH` is the subcommand path, `socklab` for the top level, e.g.
//! `help.socklab.run.yes`), and the `msgid` is clap's English, so a changed doc comment makes
//! its translation stale like any other. The headings clap writes (Usage, Options, Commands,
//! Arguments) come from `locale/en/common.toml`. English help is left exactly as clap makes it.
//! A run parses its command line with the untranslated, lean definition first
//! ([`cli::main`](crate::cli::main)); the whole definition is translated only when there is
//! help or an error to show, and clap parses the line again with it.

use clap::Command;

use crate::language::{self, Domain, Translations};

/// Every translatable help text of `command` and its subcommands: (key, English).
pub fn texts(command: &Command) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect(command, "help.socklab", &mut out);
    out
}

fn collect(command: &Command, path: &str, out: &mut Vec<(String, String)>) {
    if let Some(about) = command.get_about() {
        out.push((format!("{path}.about"), about.to_string()));
    }
    if let Some(about) = command.get_long_about() {
        out.push((format!("{path}.long_about"), about.to_string()));
    }
    for arg in command.get_arguments() {
        if let Some(help) = arg.get_help() {
            out.push((format!("{path}.{}", arg.get_id()), help.to_string()));
        }
        for value in arg.get_possible_values() {
            if let Some(help) = value.get_help() {
                let key = format!("{path}.{}.{}", arg.get_id(), value.get_name());
                out.push((key, help.to_string()));
            }
        }
    }
    for sub in command.get_subcommands() {
        collect(sub, &format!("{path}.{}", sub.get_name()), out);
    }
}

/// The language of this command line, found before clap parses it: `--lang LANG` or
/// `--lang=LANG` among `args`, else the environment (English when it names none socklab has;
/// the error for an unknown `--lang` comes after parsing).
pub fn language_of(args: &[String]) -> &'static str {
    let mut option = None;
    for (index, arg) in args.iter().enumerate() {
        if arg == "--" {
            break;
        }
        if let Some(value) = arg.strip_prefix("--lang=") {
            option = Some(value.to_owned());
        } else if arg == "--lang" {
            option = args.get(index + 1).cloned();
        }
    }
    let asked = language::asked(option.as_deref(), &|name| std::env::var(name).ok());
    language::resolve(&asked).unwrap_or(language::ENGLISH)
}

/// `command` with its help in `lang` (unchanged for English).
pub fn localized(command: Command, lang: &str) -> Command {
    if lang == language::ENGLISH {
        return command;
    }
    let catalogue = language::shipped(lang, Domain::Messages);
    let usage = word(catalogue, "common.help_usage");
    let space = if usage.ends_with(':') { " " } else { "" };
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{usage}{space}{{usage}}\n\n{{all-args}}{{after-help}}"
    );
    translate(command, "help.socklab", catalogue, &template)
}

/// The word `key` of `locale/en/common.toml` in the catalogue's language (clap keeps headings
/// as `&'static str`, which the catalogues' texts are).
fn word(catalogue: &'static Translations, key: &str) -> &'static str {
    let english = crate::text::english(key).unwrap_or_default();
    catalogue.get(key, english).unwrap_or(english)
}

fn translate(
    command: Command,
    path: &str,
    catalogue: &'static Translations,
    template: &str,
) -> Command {
    let heading = |key| word(catalogue, key);
    let (options, arguments) = (heading("common.help_options"), heading("common.help_arguments"));
    let lesson_options = heading("common.help_lesson_options");
    // clap's own -h and -V, replaced by the same flags with translated help.
    let version = command.get_version().is_some();
    let mut command = command
        .disable_help_flag(true)
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(clap::ArgAction::Help)
                .help(heading("common.help_help")),
        )
        .help_template(template.to_owned())
        .subcommand_help_heading(heading("common.help_commands"))
        .mut_args(|arg| {
            if arg.get_help_heading() == Some(crate::run_setup::LESSON_OPTIONS) {
                arg.help_heading(lesson_options)
            } else if arg.get_help_heading().is_some() {
                arg
            } else if arg.is_positional() {
                arg.help_heading(arguments)
            } else {
                arg.help_heading(options)
            }
        });
    if version {
        command = command.disable_version_flag(true).arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help(heading("common.help_version"))
                .help_heading(options),
        );
    }
    let current = |key: String, english: String| catalogue.get(&key, &english).map(str::to_owned);
    if let Some(about) = command.get_about().map(ToString::to_string)
        && let Some(translated) = current(format!("{path}.about"), about)
    {
        command = command.about(translated);
    }
    if let Some(about) = command.get_long_about().map(ToString::to_string)
        && let Some(translated) = current(format!("{path}.long_about"), about)
    {
        command = command.long_about(translated);
    }
    let helps: Vec<(String, String)> = command
        .get_arguments()
        .filter_map(|arg| Some((arg.get_id().to_string(), arg.get_help()?.to_string())))
        .collect();
    for (id, english) in helps {
        let key = format!("{path}.{id}");
        let help = current(key.clone(), english.clone()).unwrap_or(english);
        command = command.mut_arg(id, |arg| with_values(arg, help, &key, catalogue));
    }
    let names: Vec<String> =
        command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in names {
        let sub_path = format!("{path}.{name}");
        command =
            command.mut_subcommand(name, |sub| translate(sub, &sub_path, catalogue, template));
    }
    command
}

/// `arg` with `help`, and its possible values and default written out in the catalogue's
/// language (clap would add them in English: `[possible values: …]`, `[default: …]`).
fn with_values(
    arg: clap::Arg,
    help: String,
    key: &str,
    catalogue: &'static Translations,
) -> clap::Arg {
    // A flag's implied values (`true`, `false`) are no choice worth showing (clap shows none).
    if !arg.get_action().takes_values() {
        return arg.help(help);
    }
    let values: Vec<(String, Option<String>)> = arg
        .get_possible_values()
        .into_iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| {
            let english = value.get_help().map(ToString::to_string);
            let name = value.get_name().to_owned();
            let translated = english.map(|english| {
                let value_key = format!("{key}.{name}");
                catalogue.get(&value_key, &english).map_or(english, str::to_owned)
            });
            (name, translated)
        })
        .collect();
    let defaults: Vec<String> =
        arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if (values.is_empty() || arg.is_hide_possible_values_set()) && defaults.is_empty()
        || arg.is_hide_default_value_set()
    {
        return arg.help(help);
    }
    let mut short = help.clone();
    let mut long = help;
    if !values.is_empty() && !arg.is_hide_possible_values_set() {
        let names: Vec<&str> = values.iter().map(|(name, _)| name.as_str()).collect();
        let label = word(catalogue, "common.help_possible_values");
        short.push_str(&format!(" [{label}：{}]", names.join(", ")));
        long.push_str(&format!("\n\n{label}："));
        for (name, help) in &values {
            match help {
                Some(help) => long.push_str(&format!("\n- {name}：{help}")),
                None => long.push_str(&format!("\n- {name}")),
            }
        }
    }
    if !defaults.is_empty() {
        let note = format!("[{}：{}]", word(catalogue, "common.help_default"), defaults.join(", "));
        short.push_str(&format!(" {note}"));
        long.push_str(&format!("\n\n{note}"));
    }
    arg.hide_possible_values(true).hide_default_value(true).help(short).long_help(long)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_language_is_found_before_parsing() {
        let args = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        assert_eq!(language_of(&args(&["socklab", "--lang", "zh-CN", "run"])), "zh-CN");
        assert_eq!(language_of(&args(&["socklab", "run", "--lang=zh"])), "zh-CN");
        assert_eq!(language_of(&args(&["socklab", "--lang", "en", "run"])), "en");
        assert_eq!(language_of(&args(&["socklab", "--lang", "tlh"])), "en");
    }

    #[test]
    fn help_texts_have_stable_keys() {
        let texts = texts(&crate::cli::Cli::command());
        let keys: Vec<&str> = texts.iter().map(|(key, _)| key.as_str()).collect();
        assert!(keys.contains(&"help.socklab.run.about"), "{keys:?}");
        assert!(keys.contains(&"help.socklab.run.yes"), "{keys:?}");
        assert!(keys.contains(&"help.socklab.lang"), "{keys:?}");
    }

    #[test]
    fn the_localized_command_passes_clap_s_own_checks() {
        // clap checks every argument of every subcommand (hidden values only on options...).
        localized(crate::cli::Cli::command(), "zh-CN").debug_assert();
    }

    #[test]
    fn chinese_help_is_chinese_and_english_help_is_untouched() {
        let english = crate::cli::Cli::command();
        let mut same = localized(crate::cli::Cli::command(), language::ENGLISH);
        assert_eq!(
            same.render_long_help().to_string(),
            english.clone().render_long_help().to_string()
        );
        let chinese = localized(crate::cli::Cli::command(), "zh-CN");
        let shown = chinese.try_get_matches_from(["socklab", "run", "--help"]).unwrap_err();
        let help = shown.render().to_string();
        assert!(help.contains("用法：socklab run"), "{help}");
        assert!(help.contains("不加提示") && help.contains("选项") && help.contains("打印帮助"));
        assert!(help.contains("--yes") && !help.contains("Options") && !help.contains("Print"));
        assert!(
            help.contains("可选值：") && help.contains("- json：每一步一个 JSON 对象"),
            "{help}"
        );
        assert!(help.contains("[默认：text]") && !help.contains("default:"), "{help}");
    }
}

//! A lesson's `[ports]` and `[paths]`: the named values that commands, expected output,
//! exercises and quizzes refer to as `{name}`. A port is a number, or a table with the port
//! and the one to use where it needs a privilege the run lacks; a path is absolute.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::reader::Reader;
use crate::lesson::values::{PathValue, PortValue, Values};
use crate::t;

const PORT_KEYS: &[&str] = &["port", "unprivileged"];

impl Reader<'_> {
    /// The lesson's `[ports]` and `[paths]` (none when absent); a bad one is reported and left
    /// out, so that the rest of the file is still checked against the others.
    pub(super) fn values(&mut self, root: &DeTable<'_>) -> Values {
        let mut values = Values::default();
        if let Some(ports) = root.get("ports") {
            match ports.get_ref().as_table() {
                None => self
                    .report
                    .at(ports.span(), t!("lesson.wrong_type", key = "ports", expected = "a table")),
                Some(table) => {
                    for (name, value) in table.iter() {
                        if let Some(port) = self.port_value(name, value) {
                            values.ports.push(port);
                        }
                    }
                }
            }
        }
        if let Some(paths) = root.get("paths") {
            match paths.get_ref().as_table() {
                None => self
                    .report
                    .at(paths.span(), t!("lesson.wrong_type", key = "paths", expected = "a table")),
                Some(table) => {
                    for (name, value) in table.iter() {
                        let Some(text) = self.text_of(value, name.get_ref()) else { continue };
                        if !text.starts_with('/') {
                            self.report
                                .at(value.span(), t!("lesson.path_not_absolute", path = text));
                            continue;
                        }
                        if values.contains(name.get_ref()) {
                            self.report.at(
                                name.span(),
                                t!("lesson.duplicate_value", name = name.get_ref()),
                            );
                            continue;
                        }
                        values.paths.push(PathValue {
                            name: name.get_ref().to_string(),
                            path: text.into(),
                        });
                    }
                }
            }
        }
        values
    }

    /// A port number at `key`: 0 to 65535.
    fn port_number(&mut self, value: &Spanned<DeValue<'_>>, key: &str) -> Option<u16> {
        let number = value.get_ref().as_integer().and_then(|i| i.as_str().parse::<u16>().ok());
        if number.is_none() {
            self.report.at(value.span(), t!("lesson.bad_port", key = key));
        }
        number
    }

    /// One named port: `name = 8080`, or `name = { port = 123, unprivileged = 1123 }`.
    fn port_value(
        &mut self,
        name: &Spanned<Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<PortValue> {
        let name_text = name.get_ref().to_string();
        match value.get_ref() {
            DeValue::Table(table) => {
                self.unknown_keys(table.iter(), PORT_KEYS, "port");
                let port = match table.get("port") {
                    Some(port) => self.port_number(port, "port"),
                    None => {
                        self.report.at(
                            value.span(),
                            t!("lesson.missing_key", key = "port", place = "port"),
                        );
                        None
                    }
                };
                let unprivileged =
                    table.get("unprivileged").and_then(|v| self.port_number(v, "unprivileged"));
                Some(PortValue { name: name_text, port: port?, unprivileged })
            }
            _ => self.port_number(value, &name_text).map(|port| PortValue {
                name: name_text,
                port,
                unprivileged: None,
            }),
        }
    }
}

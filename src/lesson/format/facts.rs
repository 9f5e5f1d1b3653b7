//! The facts about one socket that an exercise expects (`expect`) or that a mistake rule
//! recognises (`when`): kind, family, address, port or path, state, ipv6only, backlog, mode
//! and owner, each checked for its type and allowed names. An exercise's expected facts
//! must also describe a socket that can exist and be found: no Unix socket asked for by
//! port, no datagram socket asked to listen, no ipv6only on IPv4.

use std::borrow::Cow;
use std::net::IpAddr;
use std::ops::Range;

use toml::Spanned;
use toml::de::DeValue;

use super::reader::Reader;
use crate::lesson::exercise::{Facts, Family, Owner, PortRef, SocketKind, State};
use crate::lesson::values::Values;
use crate::t;

/// Whether a fact table is what an exercise expects, or the condition of a mistake rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FactsRole {
    Expect,
    When,
}

impl Reader<'_> {
    /// The table of facts at `key`, read as an exercise's `expect` or a mistake's `when`.
    pub(super) fn facts(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        key: &str,
        values: &Values,
        role: FactsRole,
    ) -> Option<Facts> {
        let Some(table) = value.get_ref().as_table() else {
            self.report.at(
                value.span(),
                t!("lesson.wrong_type", key = key, expected = "a table of facts"),
            );
            return None;
        };
        let mut facts = Facts::default();
        let mut complete = true;
        for (name, fact) in table.iter() {
            if !self.fact(name, fact, values, role, &mut facts) {
                complete = false;
            }
        }
        if !complete {
            return None;
        }
        match role {
            FactsRole::Expect => self.consistent(&facts, value.span()).then_some(facts),
            FactsRole::When if table.iter().next().is_none() => {
                self.report.at(value.span(), t!("lesson.empty", key = key));
                None
            }
            FactsRole::When => Some(facts),
        }
    }

    /// Reads one fact into `facts`; false when it is not right.
    fn fact(
        &mut self,
        name: &Spanned<Cow<'_, str>>,
        fact: &Spanned<DeValue<'_>>,
        values: &Values,
        role: FactsRole,
        facts: &mut Facts,
    ) -> bool {
        let key = name.get_ref().as_ref();
        let span = fact.span();
        let text = fact.get_ref().as_str();
        let named = |this: &mut Self, known: &[&str], what: &str| {
            let Some(text) = text else {
                let expected = format!("one of: {}", known.join(", "));
                this.report
                    .at(span.clone(), t!("lesson.wrong_type", key = key, expected = expected));
                return None;
            };
            if !known.contains(&text) {
                this.report.at(
                    span.clone(),
                    t!("lesson.unknown_name", what = what, name = text, known = known.join(", ")),
                );
                return None;
            }
            Some(text)
        };
        match key {
            "kind" => {
                facts.kind =
                    named(self, SocketKind::NAMES, "socket kind").and_then(SocketKind::from_name);
                facts.kind.is_some()
            }
            "family" => {
                facts.family =
                    named(self, Family::NAMES, "address family").and_then(Family::from_name);
                facts.family.is_some()
            }
            "state" => {
                facts.state = named(self, State::NAMES, "state").and_then(State::from_name);
                facts.state.is_some()
            }
            "owner" => {
                facts.owner = named(self, Owner::NAMES, "owner").and_then(Owner::from_name);
                facts.owner.is_some()
            }
            "address" => {
                facts.address = text.and_then(|text| text.parse::<IpAddr>().ok());
                if facts.address.is_none() {
                    self.report.at(span, t!("lesson.bad_address"));
                }
                facts.address.is_some()
            }
            "ipv6only" => {
                facts.ipv6only = fact.get_ref().as_bool();
                if facts.ipv6only.is_none() {
                    self.report
                        .at(span, t!("lesson.wrong_type", key = key, expected = "true or false"));
                }
                facts.ipv6only.is_some()
            }
            "backlog" => {
                facts.backlog =
                    fact.get_ref().as_integer().and_then(|i| i.as_str().parse::<u32>().ok());
                if facts.backlog.is_none() {
                    self.report
                        .at(span, t!("lesson.wrong_type", key = key, expected = "a whole number"));
                }
                facts.backlog.is_some()
            }
            "mode" => {
                facts.mode = text.filter(|t| (3..=4).contains(&t.len())).and_then(|t| {
                    u32::from_str_radix(t, 8).ok().filter(|_| t.chars().all(|c| c.is_digit(8)))
                });
                if facts.mode.is_none() {
                    self.report.at(span, t!("lesson.bad_mode"));
                }
                facts.mode.is_some()
            }
            "port" | "path" if role == FactsRole::When => {
                self.report.at(name.span(), t!("lesson.when_target", key = key));
                false
            }
            "port" => {
                facts.port = self.port_fact(fact, values);
                facts.port.is_some()
            }
            "path" => {
                facts.path = text.map(str::to_owned);
                match text {
                    None => {
                        self.report
                            .at(span, t!("lesson.wrong_type", key = key, expected = "a string"));
                        false
                    }
                    Some(path) if !path.starts_with('/') && !path.starts_with('{') => {
                        self.report.at(span, t!("lesson.path_not_absolute", path = path));
                        false
                    }
                    Some(path) => {
                        self.references(span, path, values);
                        true
                    }
                }
            }
            _ => {
                self.report.at(
                    name.span(),
                    t!("lesson.unknown_fact", name = key, known = Facts::NAMES.join(", ")),
                );
                false
            }
        }
    }

    /// A `port` fact: a number, or the name of one of the lesson's ports as `"{name}"`.
    pub(super) fn port_fact(
        &mut self,
        fact: &Spanned<DeValue<'_>>,
        values: &Values,
    ) -> Option<PortRef> {
        if let Some(number) = fact.get_ref().as_integer() {
            let port = number.as_str().parse::<u16>().ok().map(PortRef::Number);
            if port.is_none() {
                self.report.at(fact.span(), t!("lesson.bad_port", key = "port"));
            }
            return port;
        }
        let name = fact
            .get_ref()
            .as_str()
            .and_then(|text| text.strip_prefix('{'))
            .and_then(|text| text.strip_suffix('}'));
        match name {
            Some(name) if values.ports.iter().any(|p| p.name == name) => {
                Some(PortRef::Value(name.to_owned()))
            }
            Some(name) => {
                let known: Vec<&str> = values.ports.iter().map(|p| p.name.as_str()).collect();
                self.report.at(
                    fact.span(),
                    t!("lesson.unknown_port_value", name = name, known = known.join(", ")),
                );
                None
            }
            None => {
                self.report.at(fact.span(), t!("lesson.bad_port_fact"));
                None
            }
        }
    }

    /// Whether an exercise's expected facts describe a socket that can exist and be found.
    fn consistent(&mut self, facts: &Facts, span: Range<usize>) -> bool {
        let before = self.report.problems.len();
        let Some(kind) = facts.kind else {
            self.report.at(span, t!("lesson.missing_key", key = "kind", place = "expect table"));
            return false;
        };
        if kind == SocketKind::UnixSeqpacket {
            self.report.at(span.clone(), t!("lesson.seqpacket_not_checked"));
        }
        let (needed, stray) = if kind.is_unix() {
            (
                facts.path.is_none().then(|| t!("lesson.needs_path", kind = kind.name())),
                facts.port.is_some().then(|| t!("lesson.no_port_for_unix", kind = kind.name())),
            )
        } else {
            (
                facts.port.is_none().then(|| t!("lesson.needs_port", kind = kind.name())),
                facts.path.is_some().then(|| t!("lesson.no_path_for_inet", kind = kind.name())),
            )
        };
        for problem in needed.into_iter().chain(stray) {
            self.report.at(span.clone(), problem);
        }
        if kind.is_unix() {
            let inet_only = [
                ("family", facts.family.is_some()),
                ("address", facts.address.is_some()),
                ("ipv6only", facts.ipv6only.is_some()),
            ];
            for (key, given) in inet_only {
                if given {
                    self.report.at(span.clone(), t!("lesson.inet_fact_for_unix", key = key));
                }
            }
        } else if facts.mode.is_some() {
            self.report.at(span.clone(), t!("lesson.mode_needs_path"));
        }
        if let (Some(family), Some(address)) = (facts.family, facts.address)
            && Family::of(address) != family
        {
            self.report.at(span.clone(), t!("lesson.family_differs", family = family.name()));
        }
        let family = facts.family.or(facts.address.map(Family::of));
        if facts.ipv6only.is_some() && family != Some(Family::Ipv6) {
            self.report.at(span.clone(), t!("lesson.ipv6only_needs_ipv6"));
        }
        if facts.state == Some(State::Listening) && !kind.has_backlog() {
            self.report.at(span.clone(), t!("lesson.datagram_never_listens", kind = kind.name()));
        }
        if facts.backlog.is_some() && (!kind.has_backlog() || facts.state != Some(State::Listening))
        {
            self.report.at(span, t!("lesson.backlog_needs_listener"));
        }
        self.report.problems.len() == before
    }
}

#[cfg(test)]
mod tests {
    use crate::lesson::format::tests::problems;

    #[test]
    fn refuses_facts_that_cannot_describe_one_socket() {
        let cases = [
            (r#"{ kind = "unix-stream", port = "{ex}" }"#, "has a path, not a port"),
            (r#"{ kind = "tcp", path = "{private}" }"#, "is found by its port"),
            (r#"{ kind = "udp", port = 1, state = "listening" }"#, "never listens"),
            (
                r#"{ kind = "tcp", port = 1, family = "ipv4", ipv6only = true }"#,
                "only exists for IPv6",
            ),
            (
                r#"{ kind = "tcp", port = 1, family = "ipv4", address = "::1" }"#,
                "is not an ipv4 address",
            ),
            (r#"{ kind = "tcp", port = "{private}" }"#, "is not a port of this lesson"),
            (r#"{ kind = "datagram", port = 1 }"#, "`datagram` is not a socket kind"),
            (r#"{ kind = "tcp", port = 1, backlog = 5 }"#, "`backlog` is the queue"),
        ];
        for (facts, wanted) in cases {
            let exercise = format!(
                "\n[[exercises]]\nid = \"x\"\ntitle = \"X\"\ntask = \"t\"\nhints = [\"h\"]\n\
                 solution = [\"ss -tln\"]\nexpect = {facts}\n"
            );
            let found = problems(&exercise);
            assert!(found.iter().any(|p| p.contains(wanted)), "{facts}: {found:#?}");
        }
    }
}

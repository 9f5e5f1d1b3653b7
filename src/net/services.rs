//! Service names for ports, from `/etc/services`, as nc and ss show them.
//!
//! nc prints `[tcp/http-alt]` for 8080 and ss prints `0.0.0.0:http-alt` without `-n`; both ask
//! `getservbyport`, which reads `/etc/services`; socat and nc take names for ports through
//! `getservbyname`. We read the same file, both ways. Where it is missing or
//! has no entry, there is no name (nc then shows `*`, ss the number).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The transport protocol a service name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TCP (`tcp` in /etc/services).
    Tcp,
    /// UDP (`udp` in /etc/services).
    Udp,
}

impl Transport {
    /// The protocol's name as /etc/services and nc write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
        }
    }
}

type Table = HashMap<(u16, Transport), String>;

/// Parses the text of an `/etc/services` file: `name port/proto [aliases] [# comment]`.
/// The first name given for a port and protocol wins, as with getservbyport.
pub fn parse(text: &str) -> HashMap<(u16, Transport), String> {
    let mut table = Table::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else { continue };
        let Some((port, proto)) = port_proto.split_once('/') else { continue };
        let Ok(port) = port.parse::<u16>() else { continue };
        let transport = match proto {
            "tcp" => Transport::Tcp,
            "udp" => Transport::Udp,
            _ => continue,
        };
        table.entry((port, transport)).or_insert_with(|| name.to_owned());
    }
    table
}

/// The text of `/etc/services`, read once (empty where there is none).
fn system_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| std::fs::read_to_string("/etc/services").unwrap_or_default())
}

fn system_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse(system_text()))
}

/// The service name of `port` over `transport`, if `/etc/services` has one.
pub fn name(port: u16, transport: Transport) -> Option<&'static str> {
    system_table().get(&(port, transport)).map(String::as_str)
}

/// The port of service `name` (or one of its aliases) over `transport`, in the text of an
/// `/etc/services` file.
pub fn port_in(services: &str, name: &str, transport: Transport) -> Option<u16> {
    services.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        let official = fields.next()?;
        let (port, proto) = fields.next()?.split_once('/')?;
        let matches =
            proto == transport.as_str() && (official == name || fields.any(|alias| alias == name));
        if matches { port.parse().ok() } else { None }
    })
}

/// The port of service `name` (or an alias) over `transport`, from `/etc/services`, as
/// getservbyname gives it to nc and socat.
pub fn port(name: &str, transport: Transport) -> Option<u16> {
    port_in(system_text(), name, transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_name_wins_and_comments_are_ignored() {
        let table = parse(
            "# comment\nhttp-alt 8080/tcp webcache # WWW caching\nhttp 80/tcp www\n\
             ntp 123/udp\nother 8080/tcp\nbroken line\n",
        );
        assert_eq!(table[&(8080, Transport::Tcp)], "http-alt");
        assert_eq!(table[&(123, Transport::Udp)], "ntp");
        assert!(!table.contains_key(&(123, Transport::Tcp)));
        assert_eq!(table.len(), 3);
    }

    const SERVICES: &str = "# comment\nhttp-alt 8080/tcp webcache # WWW caching\n\
                            ntp 123/udp\nhttp 80/tcp www\n";

    #[test]
    fn service_names_and_aliases_give_their_port_for_the_right_protocol() {
        assert_eq!(port_in(SERVICES, "http-alt", Transport::Tcp), Some(8080));
        assert_eq!(port_in(SERVICES, "webcache", Transport::Tcp), Some(8080));
        assert_eq!(port_in(SERVICES, "ntp", Transport::Udp), Some(123));
        assert_eq!(port_in(SERVICES, "ntp", Transport::Tcp), None);
        assert_eq!(port_in(SERVICES, "comment", Transport::Tcp), None);
    }
}

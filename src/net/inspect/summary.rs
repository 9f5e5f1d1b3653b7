//! `ss -s`: socket counts from `/proc/net/sockstat`, `/proc/net/sockstat6` and the `Tcp:`
//! line of `/proc/net/snmp`, printed in ss 6.1's layout (misc/ss.c `print_summary`).

use std::fmt::Write as _;

/// The counters ss reads, by its names.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    sockets: i64,
    tcp4_hashed: i64,
    tcp6_hashed: i64,
    tcp_orphans: i64,
    tcp_timewait: i64,
    tcp_total: i64,
    udp4: i64,
    udp6: i64,
    raw4: i64,
    raw6: i64,
    frag4: i64,
    frag6: i64,
}

/// The numbers after a sockstat label, read as ss's `"%*s%d"` pairs read them.
fn values(rest: &str) -> Vec<i64> {
    rest.split_whitespace().skip(1).step_by(2).map(|word| word.parse().unwrap_or(0)).collect()
}

fn parse_sockstat(text: &str, counts: &mut Counts) {
    for line in text.lines() {
        let Some((label, rest)) = line.split_once(' ') else { continue };
        let numbers = values(rest);
        let first = numbers.first().copied().unwrap_or(0);
        match label {
            "sockets:" => counts.sockets = first,
            "UDP:" => counts.udp4 = first,
            "UDP6:" => counts.udp6 = first,
            "RAW:" => counts.raw4 = first,
            "RAW6:" => counts.raw6 = first,
            "TCP6:" => counts.tcp6_hashed = first,
            "FRAG:" => counts.frag4 = first,
            "FRAG6:" => counts.frag6 = first,
            "TCP:" => {
                let at = |index: usize| numbers.get(index).copied().unwrap_or(0);
                counts.tcp4_hashed = at(0);
                counts.tcp_orphans = at(1);
                counts.tcp_timewait = at(2);
                counts.tcp_total = at(3);
            }
            _ => {}
        }
    }
}

/// `CurrEstab` from the `Tcp:` header and value lines of /proc/net/snmp.
fn established(snmp: &str) -> i64 {
    let mut tcp = snmp.lines().filter(|line| line.starts_with("Tcp:"));
    let (Some(names), Some(values)) = (tcp.next(), tcp.next()) else { return 0 };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(name, _)| *name == "CurrEstab")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
}

fn render(c: &Counts, estab: i64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Total: {}", c.sockets);
    let _ = writeln!(
        out,
        "TCP:   {} (estab {estab}, closed {}, orphaned {}, timewait {})",
        c.tcp_total + c.tcp_timewait,
        c.tcp_total - (c.tcp4_hashed + c.tcp6_hashed - c.tcp_timewait),
        c.tcp_orphans,
        c.tcp_timewait
    );
    out.push('\n');
    out.push_str("Transport Total     IP        IPv6\n");
    let mut line = |name: &str, v4: i64, v6: i64| {
        let _ = writeln!(out, "{name}\t  {:<9} {v4:<9} {v6:<9}", v4 + v6);
    };
    line("RAW", c.raw4, c.raw6);
    line("UDP", c.udp4, c.udp6);
    line("TCP", c.tcp4_hashed, c.tcp6_hashed);
    line("INET", c.raw4 + c.udp4 + c.tcp4_hashed, c.raw6 + c.udp6 + c.tcp6_hashed);
    line("FRAG", c.frag4, c.frag6);
    out.push('\n');
    out
}

/// What `ss -s` prints, from this network namespace's counters.
pub(super) fn text() -> String {
    let mut counts = Counts::default();
    for file in ["/proc/net/sockstat", "/proc/net/sockstat6"] {
        parse_sockstat(&std::fs::read_to_string(file).unwrap_or_default(), &mut counts);
    }
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    render(&counts, established(&snmp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_ss_summary_layout() {
        let mut counts = Counts::default();
        parse_sockstat(
            "sockets: used 10\nTCP: inuse 3 orphan 0 tw 1 alloc 6 mem 1\nUDP: inuse 1 mem 0\n\
             RAW: inuse 0\nFRAG: inuse 0 memory 0\n",
            &mut counts,
        );
        parse_sockstat(
            "TCP6: inuse 1\nUDP6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n",
            &mut counts,
        );
        let snmp = "Tcp: RtoAlgorithm CurrEstab InSegs\nTcp: 1 1 40\n";
        // Measured with ss 6.1 over the same counters.
        assert_eq!(
            render(&counts, established(snmp)),
            "Total: 10\nTCP:   7 (estab 1, closed 3, orphaned 0, timewait 1)\n\n\
             Transport Total     IP        IPv6\n\
             RAW\t  0         0         0        \n\
             UDP\t  1         1         0        \n\
             TCP\t  4         3         1        \n\
             INET\t  5         4         1        \n\
             FRAG\t  0         0         0        \n\n"
        );
    }
}

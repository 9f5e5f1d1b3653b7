//! ss's filter language: `state X`/`exclude X` in front, then an expression such as
//! `sport = :8080`, `( dport = :22 or dport = :443 )`, `! src 127.0.0.1`, `dst [::1]:8080`.
//!
//! The words are read as ss 6.1 reads them (misc/ssfilter.y): every command-line word is split
//! again at spaces and tabs; `and`/`&`/`&&`, `or`/`|`/`||` and plain juxtaposition (meaning
//! and) all bind alike, left to right; `not`/`!` binds to the next expression; `=`, `==`,
//! `eq` (or nothing) compare for equality, `!=`/`ne`/`neq` for inequality, `>=`/`ge`/`geq`,
//! `<=`/`le`/`leq`, `>`/`gt` and `<`/`lt` compare ports. A recursive-descent parser with a
//! depth cap replaces ss's bison grammar; [`Expr::matches`] is ss's `run_ssfilter`.
//!
//! What can be decided by the kernel is pushed there, as ss does: the states go into the
//! request's state mask, the expression is compiled into ss's `INET_DIAG_REQ_BYTECODE`
//! ([`Expr::bytecode`]), which the kernel runs on every TCP and UDP socket it visits, and a
//! local port every matching socket must have also goes into `socket_id.source_port`
//! ([`Expr::local_port`]). The expression is evaluated again on every row that comes back.

use std::net::IpAddr;

use super::{Endpoint, SocketRow, UnixName};
use crate::net::services::{self, Transport};

/// How deep `(` and `!` may nest before the filter is refused.
pub const MAX_DEPTH: usize = 64;

/// How many conditions, parentheses and negations a filter may hold: the expression is a tree
/// that evaluating walks recursively, so its size is bounded too.
pub const MAX_PARTS: usize = 1024;

/// ss's SS_ALL: every state bit, 0 to 12.
pub const SS_ALL: u32 = super::tcp_state::ALL;

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `src`/`sport =` (local) or `dst`/`dport =` (peer): an address prefix and/or a port.
    Cond {
        side: Side,
        host: Host,
    },
    /// `sport >= P` (local) or `dport >= P` (peer); `port` is -1 for `*` (anything).
    Ge {
        side: Side,
        port: i32,
    },
    /// `sport <= P`, `dport <= P`.
    Le {
        side: Side,
        port: i32,
    },
    /// `dev NAME`: bound to that interface (by index).
    Dev(u32),
    /// `autobound`: a port the kernel picked (in the ephemeral range).
    AutoBound,
}

/// Which end of the socket a condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Local,
    Peer,
}

/// An address condition: an address prefix (none: any address) and a port (none: any); or,
/// for Unix sockets, a shell pattern their name must match (ss's `unix:PATTERN`, or any
/// address word when the family is Unix, as with `-x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub prefix: Option<(IpAddr, u8)>,
    pub port: Option<u16>,
    pub unix: Option<glob::Pattern>,
}

/// Why a filter was refused, in ss's terms; `status` is the exit status ss gives for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub kind: ErrorKind,
    pub status: u8,
}

/// The kinds of filter errors, each with the word it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The grammar does not allow this word here (ss: "syntax error").
    Syntax(String),
    /// The filter ends where something must follow (ss: "syntax error").
    UnexpectedEnd,
    /// Not a port number nor a service name.
    NotAPort(String),
    /// Not an address (socklab resolves no host names).
    NotAnAddress(String),
    /// Not a state name.
    BadState(String),
    /// No interface of that name.
    NoDevice(String),
    /// Parentheses and negations nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_PARTS`] conditions.
    TooLong,
    /// A part of ss's language socklab does not implement (fwmark, cgroup, unix: patterns…).
    Unsupported(String),
}

impl FilterError {
    fn syntax(kind: ErrorKind) -> Self {
        // ss's parser error ends in usage(), which exits with -1.
        Self { kind, status: 255 }
    }

    fn value(kind: ErrorKind) -> Self {
        // "Cannot parse dst/src address." exits with 1.
        Self { kind, status: 1 }
    }
}

/// The state mask a state name (or group) stands for, as ss's `scan_state` reads it.
pub fn state_mask(name: &str) -> Option<u32> {
    use super::tcp_state as k;
    let bit = |state: u8| 1u32 << state;
    let name = name.to_ascii_lowercase();
    let mask = match name.as_str() {
        "close" | "closed" | "unconnected" => bit(k::CLOSE),
        "syn-rcv" | "syn-recv" => bit(k::SYN_RECV),
        "established" => bit(k::ESTABLISHED),
        "all" => SS_ALL,
        "connected" => SS_ALL & !(bit(k::CLOSE) | bit(k::LISTEN)),
        "synchronized" => SS_ALL & !(bit(k::CLOSE) | bit(k::LISTEN) | bit(k::SYN_SENT)),
        "bucket" => bit(k::SYN_RECV) | bit(k::TIME_WAIT),
        "big" => SS_ALL & !(bit(k::SYN_RECV) | bit(k::TIME_WAIT)),
        "syn-sent" => bit(k::SYN_SENT),
        "fin-wait-1" => bit(k::FIN_WAIT1),
        "fin-wait-2" => bit(k::FIN_WAIT2),
        "time-wait" => bit(k::TIME_WAIT),
        "close-wait" => bit(k::CLOSE_WAIT),
        "last-ack" => bit(k::LAST_ACK),
        "listening" => bit(k::LISTEN),
        "closing" => bit(k::CLOSING),
        "unknown" => 1,
        _ => return None,
    };
    Some(mask)
}

/// The leading `state X` / `exclude X` words: the state mask they give (starting from
/// nothing for `state`, from every state for `exclude`, as ss does), or `None` when there
/// are none; and how many words they took.
pub fn leading_states(words: &[String]) -> Result<(Option<u32>, usize), FilterError> {
    let mut mask: Option<u32> = None;
    let mut used = 0;
    while let Some(word) = words.get(used) {
        let include = match word.as_str() {
            "state" => true,
            "exclude" | "excl" => false,
            _ => break,
        };
        let Some(name) = words.get(used + 1) else {
            return Err(FilterError::syntax(ErrorKind::UnexpectedEnd));
        };
        let states = state_mask(name)
            .ok_or_else(|| FilterError { kind: ErrorKind::BadState(name.clone()), status: 255 })?;
        let current = mask.unwrap_or(if include { 0 } else { SS_ALL });
        mask = Some(if include { current | states } else { current & !states });
        used += 2;
    }
    Ok((mask, used))
}

/// One token of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Not,
    And,
    Or,
    Open,
    Close,
    Src,
    Dst,
    Sport,
    Dport,
    Dev,
    Autobound,
    Op(Op),
    /// Anything else: a value (address, port, device name).
    Word(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

/// Splits the words as ss's lexer does: at spaces and tabs, a backslash keeping the next
/// character.
fn tokens(words: &[String]) -> Vec<Token> {
    let mut out = Vec::new();
    for word in words {
        let mut current = String::new();
        let mut started = false;
        let mut chars = word.chars();
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' => {
                    if started {
                        out.push(classify(std::mem::take(&mut current)));
                        started = false;
                    }
                }
                '\\' => {
                    started = true;
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                }
                c => {
                    started = true;
                    current.push(c);
                }
            }
        }
        if started {
            out.push(classify(current));
        }
    }
    out
}

fn classify(word: String) -> Token {
    match word.as_str() {
        "!" | "not" => Token::Not,
        "&" | "&&" | "and" => Token::And,
        "|" | "||" | "or" => Token::Or,
        "(" => Token::Open,
        ")" => Token::Close,
        "dst" => Token::Dst,
        "src" => Token::Src,
        "dport" => Token::Dport,
        "sport" => Token::Sport,
        "dev" => Token::Dev,
        "autobound" => Token::Autobound,
        ">=" | "ge" | "geq" => Token::Op(Op::Ge),
        "<=" | "le" | "leq" => Token::Op(Op::Le),
        "!=" | "ne" | "neq" => Token::Op(Op::Ne),
        "=" | "==" | "eq" => Token::Op(Op::Eq),
        ">" | "gt" => Token::Op(Op::Gt),
        "<" | "lt" => Token::Op(Op::Lt),
        _ => Token::Word(word),
    }
}

/// What the parser needs to know about the command line: which transports name a service
/// (for `:http`), and how to find an interface's index (for `dev lo`).
pub struct Context<'a> {
    pub tcp: bool,
    pub udp: bool,
    /// The family the flags named last is Unix (`-x`, `-f unix`): address words are name
    /// patterns.
    pub unix: bool,
    pub ifindex: &'a dyn Fn(&str) -> Option<u32>,
}

/// Parses the expression words (after any leading `state`/`exclude`); `None` for no words.
pub fn parse(words: &[String], context: &Context<'_>) -> Result<Option<Expr>, FilterError> {
    let tokens = tokens(words);
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser =
        Parser { tokens: &tokens, next: 0, depth: 0, parts: 0, port_words: false, context };
    let expr = parser.list()?;
    match parser.tokens.get(parser.next) {
        None => Ok(Some(expr)),
        Some(token) => Err(parser.unexpected(token)),
    }
}

/// A token as the student wrote it, for messages.
fn shown(token: &Token) -> String {
    match token {
        Token::Not => "!",
        Token::And => "and",
        Token::Or => "or",
        Token::Open => "(",
        Token::Close => ")",
        Token::Src => "src",
        Token::Dst => "dst",
        Token::Sport => "sport",
        Token::Dport => "dport",
        Token::Dev => "dev",
        Token::Autobound => "autobound",
        Token::Op(Op::Eq) => "=",
        Token::Op(Op::Ne) => "!=",
        Token::Op(Op::Ge) => ">=",
        Token::Op(Op::Le) => "<=",
        Token::Op(Op::Gt) => ">",
        Token::Op(Op::Lt) => "<",
        Token::Word(word) => word,
    }
    .to_owned()
}

struct Parser<'t, 'c> {
    tokens: &'t [Token],
    next: usize,
    depth: usize,
    parts: usize,
    /// ss's lexer reads a value word as a port after `sport`/`dport`, as an address after
    /// `src`/`dst`, and remembers which it saw last.
    port_words: bool,
    context: &'t Context<'c>,
}

impl Parser<'_, '_> {
    /// The error for a token the grammar does not allow here. ss's lexer has already read a
    /// value word as an address or port by then, so a word that is neither fails as such.
    fn unexpected(&self, token: &Token) -> FilterError {
        if let Token::Word(word) = token
            && let Err(error) = parse_host(word, self.port_words, self.context)
        {
            return error;
        }
        FilterError::syntax(ErrorKind::Syntax(shown(token)))
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Result<Token, FilterError> {
        let token =
            self.peek().cloned().ok_or_else(|| FilterError::syntax(ErrorKind::UnexpectedEnd))?;
        self.next += 1;
        Ok(token)
    }

    /// exprlist: expr (('and' | 'or' | nothing) expr)*, folded left to right.
    fn list(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.expr()?;
        loop {
            let or = match self.peek() {
                Some(Token::Or) => true,
                Some(Token::And) => false,
                Some(Token::Close) | None => return Ok(left),
                Some(_) => {
                    let right = self.expr()?;
                    left = Expr::And(Box::new(left), Box::new(right));
                    continue;
                }
            };
            self.next += 1;
            let right = self.expr()?;
            left = if or {
                Expr::Or(Box::new(left), Box::new(right))
            } else {
                Expr::And(Box::new(left), Box::new(right))
            };
        }
    }

    fn expr(&mut self) -> Result<Expr, FilterError> {
        self.depth += 1;
        let result = self.expr_inner();
        self.depth -= 1;
        result
    }

    fn expr_inner(&mut self) -> Result<Expr, FilterError> {
        if self.depth > MAX_DEPTH {
            return Err(FilterError::syntax(ErrorKind::TooDeep));
        }
        self.parts += 1;
        if self.parts > MAX_PARTS {
            return Err(FilterError::syntax(ErrorKind::TooLong));
        }
        let token = self.take()?;
        match token {
            Token::Open => {
                let inner = self.list()?;
                match self.take()? {
                    Token::Close => Ok(inner),
                    other => Err(self.unexpected(&other)),
                }
            }
            Token::Not => Ok(Expr::Not(Box::new(self.expr()?))),
            Token::Autobound => Ok(Expr::AutoBound),
            Token::Src | Token::Dst => {
                self.port_words = false;
                let side = if token == Token::Src { Side::Local } else { Side::Peer };
                self.optional_eq()?;
                let host = self.host(false)?;
                Ok(Expr::Cond { side, host })
            }
            Token::Sport | Token::Dport => {
                self.port_words = true;
                let side = if token == Token::Sport { Side::Local } else { Side::Peer };
                let op = match self.peek() {
                    Some(Token::Op(op)) => {
                        let op = *op;
                        self.next += 1;
                        op
                    }
                    _ => Op::Eq,
                };
                let host = self.host(true)?;
                let port = host.port.map_or(-1, i32::from);
                Ok(match op {
                    Op::Eq => Expr::Cond { side, host },
                    Op::Ne => Expr::Not(Box::new(Expr::Cond { side, host })),
                    Op::Ge => Expr::Ge { side, port },
                    Op::Le => Expr::Le { side, port },
                    Op::Gt => Expr::Not(Box::new(Expr::Le { side, port })),
                    Op::Lt => Expr::Not(Box::new(Expr::Ge { side, port })),
                })
            }
            Token::Dev => {
                let negate = match self.peek() {
                    Some(Token::Op(Op::Eq)) => {
                        self.next += 1;
                        false
                    }
                    Some(Token::Op(Op::Ne)) => {
                        self.next += 1;
                        true
                    }
                    _ => false,
                };
                let name = match self.take()? {
                    Token::Word(name) => name,
                    other => return Err(FilterError::syntax(ErrorKind::Syntax(shown(&other)))),
                };
                let index = name
                    .parse::<u32>()
                    .ok()
                    .or_else(|| (self.context.ifindex)(&name))
                    .ok_or_else(|| FilterError::value(ErrorKind::NoDevice(name.clone())))?;
                let dev = Expr::Dev(index);
                Ok(if negate { Expr::Not(Box::new(dev)) } else { dev })
            }
            Token::Word(word) if word == "fwmark" || word == "cgroup" => {
                Err(FilterError::syntax(ErrorKind::Unsupported(word)))
            }
            other => Err(self.unexpected(&other)),
        }
    }

    fn optional_eq(&mut self) -> Result<(), FilterError> {
        match self.peek() {
            Some(Token::Op(Op::Eq)) => {
                self.next += 1;
                Ok(())
            }
            Some(Token::Op(_)) => {
                let token = self.peek().map(shown).unwrap_or_default();
                Err(FilterError::syntax(ErrorKind::Syntax(token)))
            }
            _ => Ok(()),
        }
    }

    /// The value after src/dst/sport/dport, read as ss's `parse_hostcond` reads it.
    fn host(&mut self, port_only: bool) -> Result<Host, FilterError> {
        let word = match self.take()? {
            Token::Word(word) => word,
            other => return Err(self.unexpected(&other)),
        };
        parse_host(&word, port_only, self.context)
    }
}

/// `127.0.0.1`, `127.0.0.1:8080`, `[::1]:8080`, `*:8080`, `:8080`, `10.0.0.0/8`; with
/// `port_only` (sport/dport), the whole word (less a leading `:`) is the port.
fn parse_host(word: &str, port_only: bool, context: &Context<'_>) -> Result<Host, FilterError> {
    if let Some(pattern) = word.strip_prefix("unix:").or(context.unix.then_some(word)) {
        // ss hands the pattern to fnmatch(3); a pattern glob cannot read matches nothing.
        let pattern = glob::Pattern::new(pattern).unwrap_or_else(|_| {
            glob::Pattern::new(&glob::Pattern::escape(pattern)).unwrap_or_default()
        });
        return Ok(Host { prefix: None, port: None, unix: Some(pattern) });
    }
    for family in ["link:", "netlink:", "vsock:", "inet:", "inet6:"] {
        if word.starts_with(family) {
            return Err(FilterError::syntax(ErrorKind::Unsupported(word.to_owned())));
        }
    }
    let (address, port): (&str, Option<&str>) = if port_only {
        ("", Some(word))
    } else if let Some(rest) = word.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| FilterError::value(ErrorKind::NotAnAddress(word.to_owned())))?;
        (inside, Some(after))
    } else if let Some(rest) = word.strip_prefix('*') {
        ("*", Some(rest))
    } else {
        // The port follows the last colon, unless that colon is part of a prefix length.
        let search_from = word.find('/').unwrap_or(0);
        match word[search_from..].rfind(':') {
            Some(at) => (&word[..search_from + at], Some(&word[search_from + at..])),
            None => (word, None),
        }
    };
    let port = match port.map(|port| port.strip_prefix(':').unwrap_or(port)) {
        None | Some("") | Some("*") => None,
        Some(text) => Some(parse_port(text, context)?),
    };
    // `default`, `any` and `all` are iproute2's names for the whole address space.
    let prefix = if port_only || ["", "*", "default", "any", "all"].contains(&address) {
        None
    } else {
        Some(parse_prefix(address)?)
    };
    Ok(Host { prefix, port, unix: None })
}

fn parse_port(text: &str, context: &Context<'_>) -> Result<u16, FilterError> {
    if let Some(number) = parse_integer(text) {
        // ss keeps the number as an int and compares it with the 16-bit port.
        return u16::try_from(number)
            .map_err(|_| FilterError::value(ErrorKind::NotAPort(text.to_owned())));
    }
    let udp = context.udp.then(|| services::port(text, Transport::Udp)).flatten();
    let tcp = context.tcp.then(|| services::port(text, Transport::Tcp)).flatten();
    match (udp, tcp) {
        (Some(a), Some(b)) if a != b => Err(FilterError::value(ErrorKind::NotAPort(text.into()))),
        (Some(port), _) | (None, Some(port)) => Ok(port),
        (None, None) => Err(FilterError::value(ErrorKind::NotAPort(text.to_owned()))),
    }
}

/// An integer as strtol with base 0 reads it (decimal, 0x hex, 0 octal), whole word only.
fn parse_integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()?
    };
    Some(if negative { -value } else { value })
}

fn parse_prefix(text: &str) -> Result<(IpAddr, u8), FilterError> {
    let bad = || FilterError::value(ErrorKind::NotAnAddress(text.to_owned()));
    let (address, length) = match text.split_once('/') {
        Some((address, length)) => (address, Some(length)),
        None => (text, None),
    };
    let address: IpAddr = match address.parse() {
        Ok(address) => address,
        Err(_) => IpAddr::V4(partial_ipv4(address).ok_or_else(bad)?),
    };
    let max = if address.is_ipv4() { 32 } else { 128 };
    let length = match length {
        None => max,
        Some(length) => length.parse::<u8>().ok().filter(|&l| l <= max).ok_or_else(bad)?,
    };
    Ok((address, length))
}

/// An IPv4 address as iproute2's `get_addr_ipv4` reads it: one to four parts (decimal, `0x`
/// hex or `0` octal), the missing ones zero, so `10.1/16` is 10.1.0.0/16.
fn partial_ipv4(text: &str) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    for (octet, part) in octets.iter_mut().zip(parts) {
        let value = parse_integer(part).filter(|_| !part.starts_with(['-', '+']))?;
        *octet = u8::try_from(value).ok()?;
    }
    Some(octets.into())
}

/// What [`Expr::matches`] needs to know about a socket, in ss's terms: for Unix sockets the
/// "ports" are the socket's inode and its peer's.
#[derive(Debug, Clone)]
pub struct Facts {
    pub local: Option<IpAddr>,
    pub peer: Option<IpAddr>,
    pub local_port: u32,
    pub peer_port: u32,
    pub iface: u32,
    /// Unix: whether the socket has no name or an autobind name (`@` and five hex digits).
    pub unix_autobound: Option<bool>,
    /// Unix: the name as ss prints it (`""` for none).
    pub unix_name: Option<String>,
    pub ephemeral: (u16, u16),
}

impl Facts {
    pub fn of(row: &SocketRow, ephemeral: (u16, u16)) -> Self {
        let (local, local_port, unix_autobound) = match &row.local {
            Endpoint::Inet { addr, port } => (Some(*addr), u32::from(*port), None),
            Endpoint::Unix { name, inode } => {
                let auto = match name {
                    UnixName::Unnamed => true,
                    UnixName::Abstract(bytes) => {
                        bytes.len() == 5 && bytes.iter().all(|b| b"0123456789abcdef".contains(b))
                    }
                    UnixName::Path(_) => false,
                };
                (None, *inode as u32, Some(auto))
            }
        };
        let (peer, peer_port) = match &row.peer {
            Endpoint::Inet { addr, port } => (Some(*addr), u32::from(*port)),
            Endpoint::Unix { inode, .. } => (None, *inode as u32),
        };
        let unix_name = match &row.local {
            Endpoint::Unix { name: UnixName::Path(path), .. } => {
                Some(path.to_string_lossy().into_owned())
            }
            Endpoint::Unix { name: UnixName::Abstract(bytes), .. } => {
                let shown: Vec<u8> =
                    bytes.iter().map(|&byte| if byte == 0 { b'@' } else { byte }).collect();
                Some(format!("@{}", String::from_utf8_lossy(&shown)))
            }
            Endpoint::Unix { name: UnixName::Unnamed, .. } => Some(String::new()),
            Endpoint::Inet { .. } => None,
        };
        Self {
            local,
            peer,
            local_port,
            peer_port,
            iface: row.iface,
            unix_autobound,
            unix_name,
            ephemeral,
        }
    }
}

impl Expr {
    /// ss's `run_ssfilter`: whether a socket with these facts passes.
    pub fn matches(&self, facts: &Facts) -> bool {
        match self {
            Self::And(left, right) => left.matches(facts) && right.matches(facts),
            Self::Or(left, right) => left.matches(facts) || right.matches(facts),
            Self::Not(inner) => !inner.matches(facts),
            Self::Cond { host: Host { unix: Some(pattern), .. }, side } => {
                // ss compares the peer's name too, which it never fills in: always "".
                let name = match side {
                    Side::Local => facts.unix_name.as_deref(),
                    Side::Peer => facts.unix_name.as_ref().map(|_| ""),
                };
                let options = glob::MatchOptions {
                    case_sensitive: false,
                    require_literal_separator: false,
                    require_literal_leading_dot: false,
                };
                name.is_some_and(|name| pattern.matches_with(name, options))
            }
            Self::Cond { side, host } => {
                let (addr, port) = side.pick(facts);
                if host.port.is_some_and(|wanted| u32::from(wanted) != port) {
                    return false;
                }
                match host.prefix {
                    None => true,
                    Some((prefix, length)) => {
                        addr.is_some_and(|a| prefix_matches(a, prefix, length))
                    }
                }
            }
            Self::Ge { side, port } => i64::from(side.pick(facts).1) >= i64::from(*port),
            Self::Le { side, port } => i64::from(side.pick(facts).1) <= i64::from(*port),
            Self::Dev(index) => facts.iface == *index,
            Self::AutoBound => match facts.unix_autobound {
                Some(auto) => auto,
                None => (u32::from(facts.ephemeral.0)..=u32::from(facts.ephemeral.1))
                    .contains(&facts.local_port),
            },
        }
    }

    /// A local port every socket this expression passes must have, if there is one: what
    /// the kernel can filter by (`socket_id.source_port`).
    pub fn local_port(&self) -> Option<u16> {
        match self {
            Self::And(left, right) => left.local_port().or_else(|| right.local_port()),
            Self::Or(left, right) => {
                let port = left.local_port()?;
                (right.local_port() == Some(port)).then_some(port)
            }
            Self::Cond { side: Side::Local, host } => host.port.filter(|&port| port != 0),
            _ => None,
        }
    }
}

/// `INET_DIAG_BC_*`: the kernel's filter instructions (include/uapi/linux/inet_diag.h).
mod bc {
    pub const JMP: u8 = 1;
    pub const S_GE: u8 = 2;
    pub const S_LE: u8 = 3;
    pub const D_GE: u8 = 4;
    pub const D_LE: u8 = 5;
    pub const AUTO: u8 = 6;
    pub const S_COND: u8 = 7;
    pub const D_COND: u8 = 8;
}

/// Bytecode longer than this is not sent (its jumps are 16-bit; ss sends it, and the kernel
/// may refuse it): the filter then runs in socklab only.
const MAX_BYTECODE: usize = 16 * 1024;

/// `struct inet_diag_bc_op { u8 code; u8 yes; u16 no; }`.
fn op(code: u8, yes: u8, no: u16) -> [u8; 4] {
    let no = no.to_ne_bytes();
    [code, yes, no[0], no[1]]
}

impl Expr {
    /// The expression as `INET_DIAG_REQ_BYTECODE`, compiled as ss's `ssfilter_bytecompile`
    /// compiles it, for the kernel to run on every socket it visits; `None` where part of it
    /// has no instruction (`dev`, Unix patterns), as in ss. A passing program ends exactly at
    /// its end; a failing one jumps four bytes past it.
    pub fn bytecode(&self) -> Option<Vec<u8>> {
        let code = self.compile()?;
        (code.len() <= MAX_BYTECODE).then_some(code)
    }

    fn compile(&self) -> Option<Vec<u8>> {
        let compare = |code: u8, port: i32| {
            let mut out = op(code, 8, 12).to_vec();
            out.extend_from_slice(&op(0, 0, port as u16));
            out
        };
        Some(match self {
            Self::AutoBound => op(bc::AUTO, 4, 8).to_vec(),
            Self::Ge { side: Side::Local, port } => compare(bc::S_GE, *port),
            Self::Le { side: Side::Local, port } => compare(bc::S_LE, *port),
            Self::Ge { side: Side::Peer, port } => compare(bc::D_GE, *port),
            Self::Le { side: Side::Peer, port } => compare(bc::D_LE, *port),
            Self::Cond { host: Host { unix: Some(_), .. }, .. } | Self::Dev(_) => return None,
            Self::Cond { side, host } => {
                let code = if *side == Side::Local { bc::S_COND } else { bc::D_COND };
                // struct inet_diag_hostcond { u8 family; u8 prefix_len; int port; u32 addr[]; }
                let (family, length, address) = match host.prefix {
                    None => (0u8, 0u8, vec![0u8; 4]),
                    Some((IpAddr::V4(addr), length)) => (2, length, addr.octets().to_vec()),
                    Some((IpAddr::V6(addr), length)) => (10, length, addr.octets().to_vec()),
                };
                let size = 4 + 8 + address.len();
                let mut out = op(code, size as u8, (size + 4) as u16).to_vec();
                out.extend_from_slice(&[family, length, 0, 0]);
                out.extend_from_slice(&host.port.map_or(-1, i32::from).to_ne_bytes());
                out.extend_from_slice(&address);
                out
            }
            Self::And(left, right) => {
                let mut out = left.compile()?;
                let right = right.compile()?;
                patch(&mut out, right.len());
                out.extend_from_slice(&right);
                out
            }
            Self::Or(left, right) => {
                let mut out = left.compile()?;
                let right = right.compile()?;
                out.extend_from_slice(&op(bc::JMP, 4, u16::try_from(right.len() + 4).ok()?));
                out.extend_from_slice(&right);
                out
            }
            Self::Not(inner) => {
                let mut out = inner.compile()?;
                out.extend_from_slice(&op(bc::JMP, 4, 8));
                out
            }
        })
    }
}

/// ss's `ssfilter_patch`: the jumps of `code` that fail (four bytes past its end) are moved
/// past `reloc` more bytes, the code that now follows.
fn patch(code: &mut [u8], reloc: usize) {
    let mut at = 0;
    while at + 4 <= code.len() {
        let left = code.len() - at;
        let no = usize::from(u16::from_ne_bytes([code[at + 2], code[at + 3]]));
        if no == left + 4 {
            let moved = ((no + reloc) as u16).to_ne_bytes();
            code[at + 2..at + 4].copy_from_slice(&moved);
        }
        let yes = usize::from(code[at + 1]);
        if yes == 0 {
            break;
        }
        at += yes;
    }
}

/// The kernel's `inet_diag_bc_run`, for the tests: whether `code` passes a socket with these
/// local and peer ports and addresses.
#[cfg(test)]
fn run_bytecode(code: &[u8], facts: &Facts) -> bool {
    let mut at: isize = 0;
    let length = code.len() as isize;
    while at < length {
        let i = at as usize;
        let (kind, yes, no) =
            (code[i], code[i + 1], u16::from_ne_bytes([code[i + 2], code[i + 3]]));
        let value = |side: Side| side.pick(facts).1 as i64;
        let argument = || i64::from(u16::from_ne_bytes([code[i + 6], code[i + 7]]));
        let passed = match kind {
            bc::JMP => false,
            bc::S_GE => value(Side::Local) >= argument(),
            bc::S_LE => value(Side::Local) <= argument(),
            bc::D_GE => value(Side::Peer) >= argument(),
            bc::D_LE => value(Side::Peer) <= argument(),
            bc::S_COND | bc::D_COND => {
                let side = if kind == bc::S_COND { Side::Local } else { Side::Peer };
                let port =
                    i32::from_ne_bytes([code[i + 8], code[i + 9], code[i + 10], code[i + 11]]);
                let (addr, actual) = side.pick(facts);
                let family = code[i + 4];
                let length = code[i + 5];
                let prefix = match family {
                    2 => Some(IpAddr::from(<[u8; 4]>::try_from(&code[i + 12..i + 16]).unwrap())),
                    10 => Some(IpAddr::from(<[u8; 16]>::try_from(&code[i + 12..i + 28]).unwrap())),
                    _ => None,
                };
                (port == -1 || port as u32 == actual)
                    && prefix.is_none_or(|prefix| {
                        addr.is_some_and(|a| prefix_matches(a, prefix, length))
                    })
            }
            _ => true,
        };
        at += if passed { isize::from(yes) } else { no as isize };
    }
    at == length
}

impl Side {
    fn pick(self, facts: &Facts) -> (Option<IpAddr>, u32) {
        match self {
            Self::Local => (facts.local, facts.local_port),
            Self::Peer => (facts.peer, facts.peer_port),
        }
    }
}

/// ss's `inet2_addr_match`: same family and the first `length` bits equal; an IPv4 rule also
/// matches an IPv4-mapped IPv6 address.
fn prefix_matches(addr: IpAddr, prefix: IpAddr, length: u8) -> bool {
    let addr = match (addr, prefix) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => return false,
        },
        _ => addr,
    };
    match (addr, prefix) {
        (IpAddr::V4(a), IpAddr::V4(p)) => bits_equal(&a.octets(), &p.octets(), length),
        (IpAddr::V6(a), IpAddr::V6(p)) => bits_equal(&a.octets(), &p.octets(), length),
        _ => false,
    }
}

fn bits_equal(a: &[u8], b: &[u8], length: u8) -> bool {
    let length = usize::from(length);
    let whole = length / 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = length % 8;
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        (a[whole] & mask) == (b[whole] & mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_devices(name: &str) -> Option<u32> {
        (name == "lo").then_some(1)
    }

    fn context() -> Context<'static> {
        Context { tcp: true, udp: true, unix: false, ifindex: &no_devices }
    }

    fn words(text: &str) -> Vec<String> {
        vec![text.to_owned()]
    }

    fn parsed(text: &str) -> Expr {
        parse(&words(text), &context()).unwrap().unwrap()
    }

    fn facts(local: &str, peer: &str) -> Facts {
        let local: std::net::SocketAddr = local.parse().unwrap();
        let peer: std::net::SocketAddr = peer.parse().unwrap();
        Facts {
            local: Some(local.ip()),
            peer: Some(peer.ip()),
            local_port: u32::from(local.port()),
            peer_port: u32::from(peer.port()),
            iface: 0,
            unix_autobound: None,
            unix_name: None,
            ephemeral: (32768, 60999),
        }
    }

    #[test]
    fn reads_the_tutorial_filters() {
        let listener = facts("127.0.0.1:8080", "0.0.0.0:0");
        let other = facts("127.0.0.1:8081", "0.0.0.0:0");
        for text in ["sport = :8080", "sport == :8080", "sport eq 8080", "sport :8080", "src :8080"]
        {
            let expr = parsed(text);
            assert!(expr.matches(&listener), "{text}");
            assert!(!expr.matches(&other), "{text}");
            assert_eq!(expr.local_port(), Some(8080), "{text}");
        }
        let either = parsed("( sport = :8080 or sport = :8081 )");
        assert!(either.matches(&listener) && either.matches(&other));
        assert_eq!(either.local_port(), None);
        assert!(!parsed("sport != :8080").matches(&listener));
        assert!(parsed("sport > :8079").matches(&listener));
        assert!(!parsed("sport < :8080").matches(&listener));
        assert!(parsed("sport >= :8080 and sport <= :8080").matches(&listener));
        assert!(parsed("src 127.0.0.0/8").matches(&listener));
        assert!(parsed("src 127.0.0.1:8080").matches(&listener));
        assert!(!parsed("src 10.0.0.0/8").matches(&listener));
        assert!(parsed("src 127/8").matches(&listener), "iproute2's partial addresses");
        assert!(parsed("src 127.0/16:8080").matches(&listener));
        assert!(parsed("src any:8080").matches(&listener));
        assert!(!parsed("src 127.0.1/24").matches(&listener));
        assert!(parsed("not dst 10.0.0.1").matches(&listener));
        // Juxtaposition is "and"; and/or bind alike, left to right.
        assert!(!parsed("sport = :8080 dport = :1").matches(&listener));
        assert!(!parsed("sport = :1 or sport = :8080 and dport = :1").matches(&listener));
        assert!(parsed("dev lo").matches(&Facts { iface: 1, ..listener.clone() }));
        let unix = Facts { unix_name: Some("/tmp/Lab/stream.sock".into()), ..listener };
        assert!(parsed("src unix:/tmp/lab/*.sock").matches(&unix), "fnmatch, case folded");
        assert!(!parsed("src unix:/tmp/*.dgram").matches(&unix));
        assert!(parsed("dst unix:").matches(&unix), "ss never fills in the peer's name");
        let with_x = Context { unix: true, ..context() };
        let expr = parse(&words("src /tmp/lab/*"), &with_x).unwrap().unwrap();
        assert!(expr.matches(&unix));
    }

    #[test]
    fn compiles_to_the_bytecode_ss_sends() {
        // ss -tln 'sport = :8080': one S_COND, any family, port 8080.
        let mut expected = op(bc::S_COND, 16, 20).to_vec();
        expected.extend_from_slice(&[0, 0, 0, 0]);
        expected.extend_from_slice(&8080i32.to_ne_bytes());
        expected.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(parsed("sport = :8080").bytecode().unwrap(), expected);
        // `dport > :1024` is NOT (dport <= 1024): D_LE, its argument, then a failing jump.
        let mut expected = op(bc::D_LE, 8, 12).to_vec();
        expected.extend_from_slice(&op(0, 0, 1024));
        expected.extend_from_slice(&op(bc::JMP, 4, 8));
        assert_eq!(parsed("dport > :1024").bytecode().unwrap(), expected);
        assert_eq!(parsed("dev lo").bytecode(), None, "ss compiles no dev condition either");
        let listener = facts("127.0.0.1:8080", "0.0.0.0:0");
        for text in ["src 127.0.0.0/8 and sport = :8080", "not ( sport = :1 or src 10.0.0.1 )"] {
            assert!(run_bytecode(&parsed(text).bytecode().unwrap(), &listener), "{text}");
        }
        let mapped = facts("[::ffff:127.0.0.1]:22", "[::]:0");
        assert!(run_bytecode(&parsed("src 127.0.0.1").bytecode().unwrap(), &mapped));
    }

    #[test]
    fn ipv6_and_mapped_addresses() {
        let six = facts("[::1]:22", "[::1]:40000");
        assert!(parsed("src [::1]:22").matches(&six));
        assert!(parsed("dst [::1]").matches(&six));
        assert!(!parsed("src 127.0.0.1").matches(&six));
        let mapped = facts("[::ffff:127.0.0.1]:22", "[::]:0");
        assert!(parsed("src 127.0.0.1").matches(&mapped));
    }

    #[test]
    fn states_and_groups() {
        use super::super::tcp_state as k;
        let list = |text: &str| -> Vec<String> { text.split(' ').map(str::to_owned).collect() };
        let (mask, used) = leading_states(&list("state time-wait sport = :1")).unwrap();
        assert_eq!((mask, used), (Some(1 << k::TIME_WAIT), 2));
        let (mask, _) = leading_states(&list("state listening state established")).unwrap();
        assert_eq!(mask, Some((1 << k::LISTEN) | (1 << k::ESTABLISHED)));
        let (mask, _) = leading_states(&list("exclude listening")).unwrap();
        assert_eq!(mask, Some(SS_ALL & !(1 << k::LISTEN)));
        let connected = state_mask("connected").unwrap();
        assert_eq!(connected & (1 << k::LISTEN), 0);
        assert_ne!(connected & (1 << k::TIME_WAIT), 0);
        assert_eq!(state_mask("synchronized").unwrap() & (1 << k::SYN_SENT), 0);
        assert_eq!(leading_states(&list("state bogus")).unwrap_err().status, 255);
        assert_eq!(leading_states(&list("sport = :1")).unwrap(), (None, 0));
    }

    #[test]
    fn refuses_what_ss_refuses() {
        let error = |text: &str| parse(&words(text), &context()).unwrap_err();
        assert_eq!(error("sport=:8080").status, 1);
        assert_eq!(error("127.0.0.1").kind, ErrorKind::Syntax("127.0.0.1".into()));
        assert_eq!(error("sport = :nosuchservice").status, 1);
        assert_eq!(error("src nosuchhost").status, 1);
        assert_eq!(error("( sport = :1").kind, ErrorKind::UnexpectedEnd);
        assert_eq!(error("sport = :1 )").kind, ErrorKind::Syntax(")".into()));
        assert_eq!(error("dev nosuchdev").status, 1);
        let deep = format!("{}sport = :1{}", "( ".repeat(100), " )".repeat(100));
        assert_eq!(error(&deep).kind, ErrorKind::TooDeep);
        assert_eq!(error(&"! ".repeat(200)).kind, ErrorKind::TooDeep);
        assert_eq!(error(&"sport = :1 or ".repeat(5000)).kind, ErrorKind::TooLong);
        assert_eq!(parse(&[], &context()).unwrap(), None);
    }

    /// A filter as the property tests build it: the reference meaning, and words for it.
    #[derive(Debug, Clone)]
    enum Model {
        Port { local: bool, op: &'static str, port: u16 },
        And(Box<Model>, Box<Model>),
        Or(Box<Model>, Box<Model>),
        Not(Box<Model>),
    }

    impl Model {
        /// The simple meaning: compare the socket's port with the operator's own semantics.
        fn holds(&self, local: u16, peer: u16) -> bool {
            match self {
                Self::Port { local: is_local, op, port } => {
                    let value = if *is_local { local } else { peer };
                    match *op {
                        "=" | "==" | "eq" | "" => value == *port,
                        "!=" | "ne" | "neq" => value != *port,
                        ">=" | "ge" | "geq" => value >= *port,
                        "<=" | "le" | "leq" => value <= *port,
                        ">" | "gt" => value > *port,
                        _ => value < *port,
                    }
                }
                Self::And(a, b) => a.holds(local, peer) && b.holds(local, peer),
                Self::Or(a, b) => a.holds(local, peer) || b.holds(local, peer),
                Self::Not(a) => !a.holds(local, peer),
            }
        }

        fn words(&self, out: &mut Vec<String>, spelling: usize) {
            let pick = |options: &[&str]| options[spelling % options.len()].to_owned();
            match self {
                Self::Port { local, op, port } => {
                    out.push(if *local { "sport" } else { "dport" }.to_owned());
                    if !op.is_empty() {
                        out.push((*op).to_owned());
                    }
                    out.push(if spelling.is_multiple_of(2) {
                        format!(":{port}")
                    } else {
                        port.to_string()
                    });
                }
                Self::And(a, b) | Self::Or(a, b) => {
                    out.push("(".into());
                    a.words(out, spelling / 2);
                    let joiner = if matches!(self, Self::And(..)) {
                        pick(&["and", "&", "&&", ""])
                    } else {
                        pick(&["or", "|", "||"])
                    };
                    if !joiner.is_empty() {
                        out.push(joiner);
                    }
                    b.words(out, spelling / 3);
                    out.push(")".into());
                }
                Self::Not(a) => {
                    out.push(pick(&["!", "not"]));
                    a.words(out, spelling / 5);
                }
            }
        }
    }

    fn model() -> impl proptest::strategy::Strategy<Value = Model> {
        use proptest::prelude::*;
        let ops = prop::sample::select(vec![
            "", "=", "==", "eq", "!=", "ne", "neq", ">=", "ge", "geq", "<=", "le", "leq", ">",
            "gt", "<", "lt",
        ]);
        let leaf = (any::<bool>(), ops, 0u16..8).prop_map(|(local, op, port)| Model::Port {
            local,
            op,
            port,
        });
        leaf.prop_recursive(5, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Model::And(a.into(), b.into())),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Model::Or(a.into(), b.into())),
                inner.prop_map(|a| Model::Not(a.into())),
            ]
        })
    }

    proptest::proptest! {
        // PROPTEST_CASES sets how many cases run (256 by default).

        #[test]
        fn parsing_agrees_with_the_reference_meaning(
            model in model(),
            spelling in 0usize..1000,
            local in 0u16..8,
            peer in 0u16..8,
            one_word in proptest::bool::ANY,
        ) {
            let mut words = Vec::new();
            model.words(&mut words, spelling);
            let words = if one_word { vec![words.join(" ")] } else { words };
            let expr = parse(&words, &context()).unwrap().unwrap();
            let facts = facts(&format!("127.0.0.1:{local}"), &format!("127.0.0.1:{peer}"));
            proptest::prop_assert_eq!(expr.matches(&facts), model.holds(local, peer), "{:?}", words);
            if let Some(port) = expr.local_port() {
                // What goes to the kernel never drops a socket the filter keeps.
                proptest::prop_assert!(!model.holds(local, peer) || local == port);
            }
            // The kernel's bytecode, run as the kernel runs it, decides the same.
            let code = expr.bytecode().unwrap();
            proptest::prop_assert_eq!(run_bytecode(&code, &facts), model.holds(local, peer));
        }

        #[test]
        fn any_words_parse_or_fail_cleanly(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "(", ")", "!", "not", "and", "or", "&", "|", "sport", "dport", "src", "dst",
                    "=", "!=", ">=", "<", ":80", "80", "*", "127.0.0.1", "[::1]:22", "10.0.0.0/8",
                    "dev", "lo", "autobound", "state", "x", "", "\\", ":http", "fwmark", "( (",
                ]),
                0..40,
            )
        ) {
            let words: Vec<String> = words.into_iter().map(str::to_owned).collect();
            if let Ok(Some(expr)) = parse(&words, &context()) {
                let _ = expr.matches(&facts("127.0.0.1:80", "10.0.0.1:22"));
                let _ = expr.local_port();
            }
        }
    }
}

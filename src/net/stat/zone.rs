//! The local time zone, as the C library finds it, so times print as stat and ls print them.
//!
//! glibc's rules: `TZ` unset means `/etc/localtime`; `TZ` empty means UTC; otherwise `TZ`
//! (less a leading `:`) names a file, absolute or under `$TZDIR` (default
//! `/usr/share/zoneinfo`), and failing that is read as a POSIX rule such as `EST5EDT` or
//! `CET-1CEST,M3.5.0,M10.5.0/3`; anything unreadable is UTC. Zone files are TZif (RFC 8536):
//! a list of transitions, then a POSIX rule for the times after the last one.

use std::sync::OnceLock;

/// A time zone: UTC offsets (seconds east of Greenwich) over time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Zone {
    /// Transition instants (Unix seconds), ascending, each with the offset from then on.
    transitions: Vec<(i64, i32)>,
    /// The offset before the first transition.
    initial: i32,
    /// The rule for times after the last transition (or for all times, without any).
    rule: Option<Rule>,
}

/// A POSIX TZ rule: a standard offset and, maybe, a daylight offset with its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    standard: i32,
    daylight: Option<(i32, Change, Change)>,
}

/// When daylight time starts or ends: a day of the year and a local time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    day: Day,
    seconds: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian(i64),
    /// `n`: day 0..=365, counting February 29.
    Zero(i64),
    /// `Mm.w.d`: weekday d (0 = Sunday) of week w (5 = last) of month m.
    Month(i64, i64, i64),
}

impl Zone {
    /// UTC.
    pub fn utc() -> Self {
        Self::default()
    }

    /// The zone this process's C library would use.
    pub fn local() -> &'static Zone {
        static LOCAL: OnceLock<Zone> = OnceLock::new();
        LOCAL.get_or_init(|| Self::from_tz(std::env::var_os("TZ").as_deref()))
    }

    /// The zone for a value of `TZ` (`None`: unset).
    pub fn from_tz(tz: Option<&std::ffi::OsStr>) -> Self {
        let Some(tz) = tz.and_then(|tz| tz.to_str()) else {
            return Self::from_file("/etc/localtime").unwrap_or_default();
        };
        let name = tz.strip_prefix(':').unwrap_or(tz);
        if name.is_empty() {
            return Self::utc();
        }
        let file = if name.starts_with('/') {
            name.to_owned()
        } else {
            let dir = std::env::var("TZDIR").unwrap_or_else(|_| "/usr/share/zoneinfo".into());
            format!("{dir}/{name}")
        };
        // A name with ".." could leave the zone directory; glibc refuses such names too.
        let safe = !name.split('/').any(|part| part == "..");
        safe.then(|| Self::from_file(&file))
            .flatten()
            .or_else(|| parse_rule(name).map(|rule| Zone { rule: Some(rule), ..Self::default() }))
            .unwrap_or_default()
    }

    fn from_file(path: &str) -> Option<Self> {
        parse_tzif(&std::fs::read(path).ok()?)
    }

    /// The UTC offset in seconds at Unix time `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        match self.transitions.partition_point(|&(at, _)| at <= t) {
            0 if self.transitions.is_empty() => self.rule.map_or(self.initial, |r| r.offset_at(t)),
            0 => self.initial,
            n if n == self.transitions.len() => {
                self.rule.map_or(self.transitions[n - 1].1, |rule| rule.offset_at(t))
            }
            n => self.transitions[n - 1].1,
        }
    }
}

/// Reads a TZif file: the 64-bit data block of version 2 and later, or the 32-bit block of
/// version 1, then the footer rule.
fn parse_tzif(data: &[u8]) -> Option<Zone> {
    if data.get(..4)? != b"TZif" {
        return None;
    }
    let version = *data.get(4)?;
    let (counts, body) = header(data)?;
    if version == 0 {
        return block(data, 44, counts, 4).map(|(zone, _)| zone);
    }
    let second = 44 + body;
    if data.get(second..second + 4)? != b"TZif" {
        return None;
    }
    let (counts, _) = header(&data[second..])?;
    let (mut zone, end) = block(data, second + 44, counts, 8)?;
    let footer = data.get(end..)?;
    let footer = std::str::from_utf8(footer).ok()?.trim_matches('\n');
    zone.rule = parse_rule(footer);
    Some(zone)
}

/// The six counts of a TZif header and the size of the version 1 data block that follows.
fn header(data: &[u8]) -> Option<([usize; 6], usize)> {
    let mut counts = [0usize; 6];
    for (i, count) in counts.iter_mut().enumerate() {
        let at = 20 + 4 * i;
        *count = u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize;
    }
    let [isut, isstd, leap, time, types, chars] = counts;
    Some((counts, time * 5 + types * 6 + chars + leap * 8 + isstd + isut))
}

/// Reads one data block; returns the zone and the offset just past the block.
fn block(data: &[u8], start: usize, counts: [usize; 6], width: usize) -> Option<(Zone, usize)> {
    let [isut, isstd, leap, time, types, chars] = counts;
    let read_time = |at: usize| -> Option<i64> {
        let bytes = data.get(at..at + width)?;
        Some(match width {
            4 => i64::from(i32::from_be_bytes(bytes.try_into().ok()?)),
            _ => i64::from_be_bytes(bytes.try_into().ok()?),
        })
    };
    let indices = start + time * width;
    let infos = indices + time;
    let offset_of = |index: usize| -> Option<i32> {
        let at = infos + index * 6;
        Some(i32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
    };
    let mut transitions = Vec::with_capacity(time);
    for i in 0..time {
        let index = usize::from(*data.get(indices + i)?);
        if index >= types {
            return None;
        }
        transitions.push((read_time(start + i * width)?, offset_of(index)?));
    }
    let initial = if types > 0 { offset_of(0)? } else { 0 };
    let end = infos + types * 6 + chars + leap * (width + 4) + isstd + isut;
    Some((Zone { transitions, initial, rule: None }, end))
}

impl Rule {
    fn offset_at(self, t: i64) -> i32 {
        let Some((daylight, start, end)) = self.daylight else { return self.standard };
        let year = super::civil_from_days((t + i64::from(self.standard)).div_euclid(86_400)).0;
        // Both changes are given in the local time in force just before them.
        let start = start.instant(year) - i64::from(self.standard);
        let end = end.instant(year) - i64::from(daylight);
        let in_daylight =
            if start < end { start <= t && t < end } else { !(end <= t && t < start) };
        if in_daylight { daylight } else { self.standard }
    }
}

impl Change {
    /// The local-time seconds (since the epoch, as if local time were UTC) of this change.
    fn instant(self, year: i64) -> i64 {
        let jan1 = super::days_from_civil(year, 1, 1);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let day = match self.day {
            Day::Julian(n) => jan1 + n - 1 + i64::from(leap && n >= 60),
            Day::Zero(n) => jan1 + n,
            Day::Month(month, week, weekday) => {
                let first = super::days_from_civil(year, month, 1);
                let first_weekday = (first + 4).rem_euclid(7);
                let mut day = first + (weekday - first_weekday).rem_euclid(7) + 7 * (week - 1);
                let next_month = if month == 12 {
                    super::days_from_civil(year + 1, 1, 1)
                } else {
                    super::days_from_civil(year, month + 1, 1)
                };
                while day >= next_month {
                    day -= 7;
                }
                day
            }
        };
        day * 86_400 + self.seconds
    }
}

/// Parses a POSIX TZ rule such as `UTC0`, `EST5EDT`, `<+0530>-5:30` or
/// `CET-1CEST,M3.5.0,M10.5.0/3`.
fn parse_rule(text: &str) -> Option<Rule> {
    let mut rest = text;
    zone_name(&mut rest)?;
    let standard = -offset(&mut rest)?;
    if rest.is_empty() {
        return Some(Rule { standard, daylight: None });
    }
    zone_name(&mut rest)?;
    let daylight = if rest.is_empty() || rest.starts_with(',') {
        standard + 3600
    } else {
        -offset(&mut rest)?
    };
    // Without dates, POSIX leaves them to the implementation; glibc uses the US rules.
    let (start, end) = match rest.strip_prefix(',') {
        None if rest.is_empty() => ("M3.2.0", "M11.1.0"),
        None => return None,
        Some(dates) => dates.split_once(',')?,
    };
    Some(Rule { standard, daylight: Some((daylight, change(start)?, change(end)?)) })
}

fn zone_name(rest: &mut &str) -> Option<()> {
    let len = if let Some(quoted) = rest.strip_prefix('<') {
        quoted.find('>')? + 2
    } else {
        rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len())
    };
    if len < 3 {
        return None;
    }
    *rest = &rest[len..];
    Some(())
}

/// `[+|-]hh[:mm[:ss]]` in seconds (POSIX sign: positive is west of Greenwich).
fn offset(rest: &mut &str) -> Option<i32> {
    let len = rest.find(|c: char| !(c.is_ascii_digit() || "+-:".contains(c))).unwrap_or(rest.len());
    let seconds = clock(&rest[..len])?;
    *rest = &rest[len..];
    i32::try_from(seconds).ok()
}

fn clock(text: &str) -> Option<i64> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let mut seconds = 0i64;
    let mut parts = 0;
    for (part, scale) in digits.split(':').zip([3600, 60, 1]) {
        seconds += part.parse::<i64>().ok()? * scale;
        parts += 1;
    }
    (parts == digits.split(':').count()).then_some(sign * seconds)
}

fn change(text: &str) -> Option<Change> {
    let (date, time) = text.split_once('/').unwrap_or((text, "2"));
    let day = if let Some(n) = date.strip_prefix('J') {
        Day::Julian(n.parse().ok().filter(|n| (1..=365).contains(n))?)
    } else if let Some(spec) = date.strip_prefix('M') {
        let mut parts = spec.split('.').map(|part| part.parse::<i64>().ok());
        let (month, week, weekday) = (parts.next()??, parts.next()??, parts.next()??);
        let valid =
            (1..=12).contains(&month) && (1..=5).contains(&week) && (0..=6).contains(&weekday);
        valid.then_some(Day::Month(month, week, weekday))?
    } else {
        Day::Zero(date.parse().ok().filter(|n| (0..=365).contains(n))?)
    };
    Some(Change { day, seconds: clock(time)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i64, month: i64, day: i64, hour: i64) -> i64 {
        super::super::days_from_civil(year, month, day) * 86_400 + hour * 3600
    }

    #[test]
    fn posix_rules_give_standard_and_daylight_offsets() {
        let paris = parse_rule("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(paris.offset_at(at(2026, 1, 15, 12)), 3600);
        assert_eq!(paris.offset_at(at(2026, 7, 15, 12)), 7200);
        // 2026-03-29 is the last Sunday of March: the change is at 01:00 UTC.
        assert_eq!(paris.offset_at(at(2026, 3, 29, 0)), 3600);
        assert_eq!(paris.offset_at(at(2026, 3, 29, 1)), 7200);
        let new_york = parse_rule("EST5EDT").unwrap();
        assert_eq!(new_york.offset_at(at(2020, 1, 2, 3)), -5 * 3600);
        assert_eq!(new_york.offset_at(at(2020, 7, 2, 3)), -4 * 3600);
        let sydney = parse_rule("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        assert_eq!(sydney.offset_at(at(2026, 1, 10, 0)), 11 * 3600);
        assert_eq!(sydney.offset_at(at(2026, 7, 10, 0)), 10 * 3600);
        assert_eq!(parse_rule("<+0530>-5:30").unwrap().offset_at(0), 5 * 3600 + 1800);
        assert_eq!(parse_rule("UTC0").unwrap().offset_at(0), 0);
        assert_eq!(parse_rule("XY1"), None);
        assert_eq!(parse_rule("UTC"), None);
    }

    #[test]
    fn tz_values_are_read_like_the_c_library() {
        let tz = |value: &str| Zone::from_tz(Some(std::ffi::OsStr::new(value)));
        assert_eq!(tz("").offset_at(0), 0);
        assert_eq!(tz("No/Such/Zone").offset_at(1_000_000_000), 0);
        assert_eq!(tz("XYZ-5:30").offset_at(0), 5 * 3600 + 1800);
        assert_eq!(tz("../../../etc/passwd").offset_at(0), 0);
    }

    #[test]
    fn zone_files_are_read_where_installed() {
        let path = "/usr/share/zoneinfo/Europe/Paris";
        if !std::path::Path::new(path).exists() {
            eprintln!("notice: {path} is not installed; skipping the zone file check");
            return;
        }
        let paris = Zone::from_tz(Some(std::ffi::OsStr::new(":Europe/Paris")));
        assert_eq!(paris.offset_at(at(2020, 1, 2, 3)), 3600);
        assert_eq!(paris.offset_at(at(2020, 7, 2, 3)), 7200);
        // After the last transition in the file, the footer rule decides.
        assert_eq!(paris.offset_at(at(2100, 7, 2, 3)), 7200);
        assert_eq!(paris.offset_at(at(2100, 1, 2, 3)), 3600);
    }
}

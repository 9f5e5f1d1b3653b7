//! The local time zone, found as the C library finds it, so times print as stat and ls print
//! them. The zone data itself (TZif files, POSIX rules) is read by jiff.
//!
//! glibc's rules: `TZ` unset means `/etc/localtime`; `TZ` empty means UTC; otherwise `TZ`
//! (less a leading `:`) names a file, absolute or under `$TZDIR` (default
//! `/usr/share/zoneinfo`), and failing that is read as a POSIX rule such as `CST-8` or
//! `CET-1CEST,M3.5.0,M10.5.0/3`; anything unreadable is UTC. jiff's own `TimeZone::system()`
//! decides differently in the corners (an invalid `TZ` is not UTC there), so the choice of the
//! zone stays here and only the reading is jiff's.

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The DST rule glibc assumes for a POSIX `TZ` with a daylight name but no dates (`EST5EDT`
/// where no such zone file exists): the United States' rule, `M3.2.0,M11.1.0`.
const GLIBC_DEFAULT_RULE: &str = ",M3.2.0,M11.1.0";

/// A time zone: UTC offsets over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone(TimeZone);

impl Default for Zone {
    fn default() -> Self {
        Self::utc()
    }
}

impl Zone {
    /// UTC.
    pub fn utc() -> Self {
        Self(TimeZone::UTC)
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
            .or_else(|| Self::from_rule(name))
            .unwrap_or_default()
    }

    fn from_file(path: &str) -> Option<Self> {
        let data = std::fs::read(path).ok()?;
        TimeZone::tzif(path, &data).ok().map(Self)
    }

    /// A POSIX rule, as glibc reads it: with a daylight name and no dates, glibc's default
    /// dates apply.
    fn from_rule(rule: &str) -> Option<Self> {
        TimeZone::posix(rule)
            .or_else(|_| TimeZone::posix(&format!("{rule}{GLIBC_DEFAULT_RULE}")))
            .ok()
            .map(Self)
    }

    /// The UTC offset in seconds at Unix time `t` (times beyond jiff's years -9999 to 9999
    /// take the offset at the nearest end).
    pub fn offset_at(&self, t: i64) -> i32 {
        let clamped = t.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
        let when = Timestamp::from_second(clamped).unwrap_or(Timestamp::UNIX_EPOCH);
        self.0.to_offset(when).seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn offset(tz: &str, t: i64) -> i32 {
        Zone::from_tz(Some(OsStr::new(tz))).offset_at(t)
    }

    #[test]
    fn posix_rules_empty_and_invalid_values_follow_glibc() {
        let winter = 1_577_934_245; // 2020-01-02
        let summer = 1_593_648_000; // 2020-07-02
        assert_eq!(offset("CST-8", winter), 8 * 3600);
        assert_eq!(offset("XYZ-5:30", summer), 5 * 3600 + 1800);
        assert_eq!(offset("", summer), 0, "an empty TZ is UTC");
        assert_eq!(offset("No/Such/Zone", summer), 0, "an unreadable TZ is UTC");
        assert_eq!(offset("../../etc/passwd", summer), 0);
        let europe = "CET-1CEST,M3.5.0,M10.5.0/3";
        assert_eq!((offset(europe, winter), offset(europe, summer)), (3600, 7200));
        // A daylight name without dates: glibc's default (US) rule.
        assert_eq!((offset("AAA5BBB", winter), offset("AAA5BBB", summer)), (-5 * 3600, -4 * 3600));
        assert_eq!(Zone::utc().offset_at(i64::MAX), 0);
    }
}

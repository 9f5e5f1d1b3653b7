//! User and group names for numeric ids, from `/etc/passwd` and `/etc/group`.
//!
//! stat and ls ask getpwuid/getgrgid, which on a plain system read these two files; we read
//! them directly (the first line with the id wins, as there). Accounts that come only from a
//! directory service (LDAP, sssd) are not seen, so their ids show as numbers.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Parses `name:x:id:…` lines (the layout of both files) into id → first name.
pub fn parse(text: &str) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if let Ok(id) = id.trim().parse::<u32>()
            && !name.is_empty()
            && !name.starts_with('#')
        {
            names.entry(id).or_insert_with(|| name.to_owned());
        }
    }
    names
}

fn table(
    path: &'static str,
    cell: &'static OnceLock<HashMap<u32, String>>,
) -> &'static HashMap<u32, String> {
    cell.get_or_init(|| std::fs::read_to_string(path).map(|text| parse(&text)).unwrap_or_default())
}

/// The name of user `uid`, if `/etc/passwd` has one.
pub fn user_name(uid: u32) -> Option<&'static str> {
    static USERS: OnceLock<HashMap<u32, String>> = OnceLock::new();
    table("/etc/passwd", &USERS).get(&uid).map(String::as_str)
}

/// The name of group `gid`, if `/etc/group` has one.
pub fn group_name(gid: u32) -> Option<&'static str> {
    static GROUPS: OnceLock<HashMap<u32, String>> = OnceLock::new();
    table("/etc/group", &GROUPS).get(&gid).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_name_for_an_id_wins_and_junk_is_skipped() {
        let names = parse(
            "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/bin/false\n\
             toor:x:0:0::/:/bin/sh\nbroken line\n# comment:x:5:\n:x:7:\n",
        );
        assert_eq!(names[&0], "root");
        assert_eq!(names[&65534], "nobody");
        assert_eq!(names.len(), 2);
    }
}

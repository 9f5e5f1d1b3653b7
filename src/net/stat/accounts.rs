//! User and group names for numeric ids, from the system's name service (NSS), as stat and
//! ls get them: getpwuid_r and getgrgid_r through nix, so accounts from LDAP or SSSD show by
//! name just as they do in the real tools. Each id is looked up once per process.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use nix::unistd::{Gid, Group, Uid, User};

/// Remembers each answer (names included), so listing a directory asks NSS once per owner.
fn cached(
    cache: &'static OnceLock<Mutex<HashMap<u32, Option<&'static str>>>>,
    id: u32,
    look_up: impl FnOnce(u32) -> Option<String>,
) -> Option<&'static str> {
    let cache = cache.get_or_init(Mutex::default);
    let mut names = cache.lock().unwrap_or_else(PoisonError::into_inner);
    // Leaked on purpose: one short string per distinct id, for the life of the process.
    *names.entry(id).or_insert_with(|| look_up(id).map(|name| &*name.leak()))
}

/// The name of user `uid`, if the system knows one.
pub fn user_name(uid: u32) -> Option<&'static str> {
    static USERS: OnceLock<Mutex<HashMap<u32, Option<&'static str>>>> = OnceLock::new();
    cached(&USERS, uid, |uid| User::from_uid(Uid::from_raw(uid)).ok().flatten().map(|u| u.name))
}

/// The name of group `gid`, if the system knows one.
pub fn group_name(gid: u32) -> Option<&'static str> {
    static GROUPS: OnceLock<Mutex<HashMap<u32, Option<&'static str>>>> = OnceLock::new();
    cached(&GROUPS, gid, |gid| Group::from_gid(Gid::from_raw(gid)).ok().flatten().map(|g| g.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_system() {
        assert_eq!(user_name(0), Some("root"));
        assert_eq!(group_name(0), Some("root"));
        assert_eq!(user_name(4_242_424), None);
        assert_eq!(user_name(0), Some("root"), "the cached answer is the same");
    }
}

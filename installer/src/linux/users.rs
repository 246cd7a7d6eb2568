//! The login users of the machine, from its password file.

use std::path::{Path, PathBuf};

/// A user whose desktop runs the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory (under the layout's root).
    pub home: PathBuf,
}

/// Debian's range of ordinary user ids (`UID_MIN`..=`UID_MAX` in login.defs).
const LOGIN_UIDS: std::ops::RangeInclusive<u32> = 1000..=59999;

/// Parses `passwd` text; home directories are taken under `root`.
pub fn parse_passwd(text: &str, root: &Path) -> Vec<User> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let [name, _, uid, gid, _, home, shell] = fields[..] else { return None };
            Some((
                User {
                    name: name.into(),
                    uid: uid.parse().ok()?,
                    gid: gid.parse().ok()?,
                    home: root.join(home.trim_start_matches('/')),
                },
                shell,
            ))
        })
        .filter(|(_, shell)| !shell.ends_with("nologin") && !shell.ends_with("/false"))
        .map(|(user, _)| user)
        .collect()
}

/// The users setup configures: the named ones, or every login user (uid 1000..=59999 with a
/// login shell and an existing home).
///
/// # Errors
///
/// The password file cannot be read, or a named user is not in it.
pub fn select(root: &Path, names: Option<&[String]>) -> Result<Vec<User>, crate::text::Failure> {
    let passwd = root.join("etc/passwd");
    let text = std::fs::read_to_string(&passwd).map_err(|e| {
        crate::text::failure(
            "Không đọc được danh sách người dùng",
            "Cannot read the user list",
            format!("{}: {e}", passwd.display()),
        )
    })?;
    let all = parse_passwd(&text, root);
    match names {
        Some(names) => names
            .iter()
            .map(|name| {
                all.iter().find(|u| &u.name == name).cloned().ok_or_else(|| {
                    crate::text::failure(
                        "Không có người dùng này",
                        "No such user",
                        format!("{name} ({})", passwd.display()),
                    )
                })
            })
            .collect(),
        None => Ok(all.into_iter().filter(|u| LOGIN_UIDS.contains(&u.uid) && u.home.is_dir()).collect()),
    }
}

/// Looks a group's id up in `group` text.
pub fn group_id(text: &str, name: &str) -> Option<u32> {
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next() == Some(name)).then(|| fields.nth(1).and_then(|gid| gid.parse().ok())).flatten()
    })
}

/// The members of a group in `group` text.
pub fn group_members(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&name))
                .then(|| fields.get(3).map(|m| m.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()))
        })
        .flatten()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_users_are_told_from_system_accounts() {
        let text = "root:x:0:0:root:/root:/bin/bash\n\
                    daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                    lan:x:1000:1000:Nguyễn Thị Lan,,,:/home/lan:/bin/bash\n\
                    svc:x:1001:1001::/home/svc:/bin/false\n";
        let users = parse_passwd(text, Path::new("/r"));
        let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["root", "lan"]);
        assert_eq!(users[1].home, Path::new("/r/home/lan"));
    }

    #[test]
    fn groups_are_read() {
        let text = "users:x:100:\nkyso:x:998:lan,minh\n";
        assert_eq!(group_id(text, "kyso"), Some(998));
        assert_eq!(group_members(text, "kyso"), ["lan", "minh"]);
        assert!(group_members(text, "users").is_empty());
        assert_eq!(group_id(text, "nobody"), None);
    }
}

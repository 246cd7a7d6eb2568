//! The group whose members may read the agent's TLS key: the users who run the agent.
//!
//! Managed with the shadow tools (`groupadd`, `usermod`, `groupdel`), with `--prefix` when the
//! layout is a staging root, so the real `/etc/group` is never touched by tests.

use crate::command::run;
use crate::layout::Layout;
use crate::linux::users;
use crate::text::{Failure, failure};

/// The group's id, creating the group when needed; says whether it was created.
///
/// # Errors
///
/// The group file cannot be read or `groupadd` fails.
pub fn ensure(layout: &Layout, name: &str) -> Result<(u32, bool), Failure> {
    if let Some(gid) = users::group_id(&group_text(layout)?, name) {
        return Ok((gid, false));
    }
    run("groupadd", &with_prefix(layout, &["--system", name]))?;
    let gid = users::group_id(&group_text(layout)?, name)
        .ok_or_else(|| failure("Không tạo được nhóm", "Cannot create group", name))?;
    Ok((gid, true))
}

/// Adds `user` to the group; says whether they were not a member before.
///
/// # Errors
///
/// `usermod` fails.
pub fn add_member(layout: &Layout, group: &str, user: &str) -> Result<bool, Failure> {
    if users::group_members(&group_text(layout)?, group).iter().any(|m| m == user) {
        return Ok(false);
    }
    run("usermod", &with_prefix(layout, &["--append", "--groups", group, user]))?;
    Ok(true)
}

/// Takes `user` out of the group (best effort: the user may be gone already).
pub fn remove_member(layout: &Layout, group: &str, user: &str) -> Result<(), Failure> {
    if !users::group_members(&group_text(layout)?, group).iter().any(|m| m == user) {
        return Ok(());
    }
    run("usermod", &with_prefix(layout, &["--remove", "--groups", group, user]))?;
    Ok(())
}

/// Deletes the group.
///
/// # Errors
///
/// `groupdel` fails.
pub fn delete(layout: &Layout, name: &str) -> Result<(), Failure> {
    if users::group_id(&group_text(layout)?, name).is_none() {
        return Ok(());
    }
    run("groupdel", &with_prefix(layout, &[name]))?;
    Ok(())
}

fn group_text(layout: &Layout) -> Result<String, Failure> {
    let path = layout.path("/etc/group");
    std::fs::read_to_string(&path).map_err(|e| {
        failure("Không đọc được danh sách nhóm", "Cannot read the group list", format!("{}: {e}", path.display()))
    })
}

fn with_prefix<'a>(layout: &'a Layout, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = Vec::new();
    if !layout.is_real_root() {
        all.extend(["--prefix", layout.root.to_str().unwrap_or("/")]);
    }
    all.extend_from_slice(args);
    all
}

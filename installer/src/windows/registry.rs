//! Registry writes under `HKEY_LOCAL_MACHINE` that record themselves, so uninstall removes the
//! keys setup created and the values it wrote, and nothing an administrator put there.

use windows_registry::{Key, LOCAL_MACHINE};

use crate::agent_policy::RegistryData;
use crate::manifest::{Manifest, RegistryEntry};
use crate::text::{Failure, failure};

/// Opens `path` for writing, creating what is missing; the outermost key it had to create is
/// recorded (uninstall removes it with everything under it). Returns the key and whether it
/// was created.
pub fn create(path: &str, record: &mut Manifest) -> Result<(Key, bool), Failure> {
    let mut created = None;
    let mut prefix = String::new();
    for part in path.split('\\') {
        if !prefix.is_empty() {
            prefix.push('\\');
        }
        prefix.push_str(part);
        if created.is_none() && LOCAL_MACHINE.open(&prefix).is_err() {
            created = Some(prefix.clone());
        }
    }
    let key = LOCAL_MACHINE.create(path).map_err(|e| error(path, e))?;
    if let Some(outermost) = &created {
        record.registry.push(RegistryEntry::Key(outermost.clone()));
    }
    Ok((key, created.is_some()))
}

/// Writes one value; recorded unless its key was created by this run (then the key goes).
pub fn set(
    key: &Key,
    path: &str,
    name: &str,
    data: &RegistryData,
    key_created: bool,
    record: &mut Manifest,
) -> Result<(), Failure> {
    let result = match data {
        RegistryData::Number(n) => key.set_u32(name, *n),
        RegistryData::Text(text) => key.set_string(name, text.as_str()),
        RegistryData::Texts(items) => {
            let items: Vec<&str> = items.iter().map(String::as_str).collect();
            key.set_multi_string(name, &items)
        }
    };
    result.map_err(|e| error(&format!(r"{path}\{name}"), e))?;
    if !key_created {
        record.registry.push(RegistryEntry::Value { key: path.to_owned(), name: name.to_owned() });
    }
    Ok(())
}

/// Undoes one recorded entry; one already gone is fine.
pub fn remove(entry: &RegistryEntry) -> Result<(), Failure> {
    match entry {
        RegistryEntry::Key(path) => match LOCAL_MACHINE.remove_tree(path) {
            Ok(()) => Ok(()),
            Err(e) if e.code().0 as u32 == NOT_FOUND => Ok(()),
            Err(e) => Err(error(path, e)),
        },
        RegistryEntry::Value { key, name } => {
            let Ok(opened) = LOCAL_MACHINE.options().read().write().open(key) else { return Ok(()) };
            match opened.remove_value(name) {
                Ok(()) => Ok(()),
                Err(e) if e.code().0 as u32 == NOT_FOUND => Ok(()),
                Err(e) => Err(error(&format!(r"{key}\{name}"), e)),
            }
        }
    }
}

/// The value names under `path` (none when it does not exist).
pub fn value_names(path: &str) -> Vec<String> {
    let Ok(key) = LOCAL_MACHINE.open(path) else { return Vec::new() };
    key.values().map(|values| values.map(|(name, _)| name).collect()).unwrap_or_default()
}

/// A text value, if present.
pub fn text(path: &str, name: &str) -> Option<String> {
    LOCAL_MACHINE.open(path).ok()?.get_string(name).ok()
}

/// A list value (REG_MULTI_SZ), if present, without the empty strings the API appends.
pub fn texts(path: &str, name: &str) -> Option<Vec<String>> {
    let items = LOCAL_MACHINE.open(path).ok()?.get_multi_string(name).ok()?;
    Some(items.into_iter().filter(|s| !s.is_empty()).collect())
}

/// A number value (REG_DWORD), if present.
pub fn number(path: &str, name: &str) -> Option<u32> {
    LOCAL_MACHINE.open(path).ok()?.get_u32(name).ok()
}

/// ERROR_FILE_NOT_FOUND as an HRESULT.
const NOT_FOUND: u32 = 0x8007_0002;

fn error(path: &str, e: impl std::fmt::Display) -> Failure {
    failure("Lỗi sổ đăng ký", "Registry error", format!(r"HKLM\{path}: {e}"))
}

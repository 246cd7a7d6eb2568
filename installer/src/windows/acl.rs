//! The TLS key's access list on Windows: SYSTEM and Administrators may change it, interactive
//! users (those whose desktop runs the agent) may read it, nobody else, and nothing inherited.
#![allow(unsafe_code)]

use std::path::Path;
use std::ptr::null_mut;

use windows_sys::Win32::Foundation::{GetLastError, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{
    DACL_SECURITY_INFORMATION, PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, SetFileSecurityW,
};

use crate::text::{Failure, failure};

/// SDDL: protected DACL; full control for LocalSystem (SY) and Administrators (BA), read for
/// interactive users (IU).
const KEY_SDDL: &str = "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;IU)";

/// Replaces the access list of `path` with [`KEY_SDDL`].
///
/// # Errors
///
/// Windows refuses (the caller is not an administrator, or the file system has no ACLs).
pub fn restrict_key(path: &Path) -> Result<(), Failure> {
    let sddl: Vec<u16> = KEY_SDDL.encode_utf16().chain([0]).collect();
    let wide_path: Vec<u16> = path.as_os_str().to_string_lossy().encode_utf16().chain([0]).collect();
    let mut descriptor: PSECURITY_DESCRIPTOR = null_mut();
    // SAFETY: `sddl` is NUL-terminated; `descriptor` receives a LocalAlloc'd block freed below.
    let converted = unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl.as_ptr(),
            SDDL_REVISION_1,
            &mut descriptor,
            null_mut(),
        )
    };
    if converted == 0 {
        return Err(last_error(path));
    }
    // SAFETY: `wide_path` is NUL-terminated; `descriptor` is valid until freed.
    let set = unsafe {
        SetFileSecurityW(
            wide_path.as_ptr(),
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            descriptor,
        )
    };
    let error = (set == 0).then(|| last_error(path));
    // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW, freed once.
    unsafe { LocalFree(descriptor) };
    error.map_or(Ok(()), Err)
}

fn last_error(path: &Path) -> Failure {
    // SAFETY: reads the calling thread's last-error value.
    let code = unsafe { GetLastError() };
    failure(
        "Không đặt được quyền cho khoá TLS",
        "Cannot set the TLS key's permissions",
        format!("{}: 0x{code:08x}", path.display()),
    )
}

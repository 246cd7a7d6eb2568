//! Where PKCS#11 modules are found when the configuration names none.
//!
//! Vietnamese tokens come with vendor drivers (ePass2003 for VGCA, VNPT-CA, Viettel-CA, BKAV,
//! Bit4id, SafeNet eToken); on Linux, p11-kit also registers modules such as OpenSC's.

use std::path::{Path, PathBuf};

/// Vendor driver locations on Linux.
#[cfg(target_os = "linux")]
const KNOWN: &[&str] = &[
    "/usr/lib/libeps2003csp11.so",
    "/usr/local/lib/libeps2003csp11.so",
    "/usr/lib/x86_64-linux-gnu/libeps2003csp11.so",
    "/usr/lib/libvnpt_ca_pkcs11.so",
    "/usr/lib/vnpt-ca/libvnpt_ca_pkcs11.so",
    "/usr/lib/libviettel-ca_v5.so",
    "/usr/lib/viettel-ca/libviettel-ca.so",
    "/usr/lib/libBkavCAPKCS11.so",
    "/usr/lib/libbit4xpki.so",
    "/usr/lib/libeTPkcs11.so",
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
];

/// Vendor driver locations on Windows (System32 is on the loader's search path).
#[cfg(windows)]
const KNOWN: &[&str] = &[
    r"C:\Windows\System32\eps2003csp11.dll",
    r"C:\Windows\System32\vnpt_ca_pkcs11.dll",
    r"C:\Windows\System32\viettel-ca_v5.dll",
    r"C:\Windows\System32\BkavCAPKCS11.dll",
    r"C:\Windows\System32\bit4xpki.dll",
    r"C:\Windows\System32\eTPKCS11.dll",
];

/// Vendor driver locations on macOS.
#[cfg(target_os = "macos")]
const KNOWN: &[&str] = &[
    "/usr/local/lib/libeps2003csp11.dylib",
    "/usr/local/lib/libbit4xpki.dylib",
    "/usr/local/lib/libeTPkcs11.dylib",
    "/Library/OpenSC/lib/opensc-pkcs11.so",
];

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
const KNOWN: &[&str] = &[];

/// Returns the modules to load when the configuration lists none: p11-kit's registered modules
/// (Linux), then the known vendor paths that exist, without duplicates.
pub fn probe() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    let mut add = |path: PathBuf| {
        if path.is_file() && !found.contains(&path) {
            found.push(path);
        }
    };
    for dir in ["/usr/share/p11-kit/modules", "/etc/pkcs11/modules"] {
        for path in p11_kit_modules(Path::new(dir)) {
            add(path);
        }
    }
    for path in KNOWN {
        add(PathBuf::from(path));
    }
    found
}

/// Reads the `module:` lines of p11-kit's `*.module` files; relative names live in p11-kit's
/// module directory.
fn p11_kit_modules(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "module"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .filter_map(|text| {
            text.lines().find_map(|line| {
                let value = line.trim().strip_prefix("module:")?.trim();
                let path = PathBuf::from(value);
                Some(if path.is_absolute() { path } else { Path::new("/usr/lib/x86_64-linux-gnu/pkcs11").join(path) })
            })
        })
        // p11-kit's proxy and trust modules are not tokens.
        .filter(|p| !p.to_string_lossy().contains("p11-kit-trust"))
        .collect()
}

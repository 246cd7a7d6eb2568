#!/usr/bin/env bash
# Builds kyso-<version>.msi from the cross-built executables with Debian's wixl (and msitools'
# msibuild for one table fix wixl cannot express).
# Usage: installer/windows/build-msi.sh BIN_DIR OUT.msi [VERSION]   (needs wixl, msitools, mingw binutils)
#   BIN_DIR holds kyso-agent.exe and kyso-install.exe (cargo build --target x86_64-pc-windows-gnu).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(cd "$1" && pwd)"
out="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
version="${3:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/../../Cargo.toml" | head -1)}"
for exe in kyso-agent.exe kyso-install.exe; do
  [ -f "$bin/$exe" ] || { echo "missing $bin/$exe" >&2; exit 1; }
done
# Stripped copies (debug information stays with the build); wixl takes Source paths relative
# to the current directory only.
staged="$(mktemp -d)"
trap 'rm -rf "$staged"' EXIT
for exe in kyso-agent.exe kyso-install.exe; do
  x86_64-w64-mingw32-strip -o "$staged/$exe" "$bin/$exe"
done
cd "$here"
wixl -a x64 -D Version="$version" -D BinDir="$(realpath --relative-to="$here" "$staged")" -o "$out" kyso.wxs
# Public properties must be "secure" to reach the elevated part of a per-machine install on
# Windows; wixl ignores Secure="yes" and generates this row for MajorUpgrade, so extend it.
msibuild "$out" -q "UPDATE \`Property\` SET \`Value\` = 'ALLOWEDORIGINS;PKCS11MODULES;PORT;WIX_UPGRADE_DETECTED;WIX_DOWNGRADE_DETECTED' WHERE \`Property\` = 'SecureCustomProperties'"

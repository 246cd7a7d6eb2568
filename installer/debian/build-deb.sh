#!/usr/bin/env bash
# Builds kyso_<version>_<arch>.deb from built binaries with dpkg-deb: /usr/bin/kyso-agent and
# /usr/bin/kyso-install, the applications-menu entry of Settings (for desktops that show no tray
# icon), and maintainer scripts that run `kyso-install setup` / `uninstall`.
# Usage: installer/debian/build-deb.sh BIN_DIR OUT.deb [VERSION]
#   BIN_DIR holds kyso-agent and kyso-install (cargo build [--release]).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$1"
out="$2"
version="${3:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/../../Cargo.toml" | head -1)}"
stage="$(mktemp -d)"
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/doc/kyso" "$stage/usr/share/applications"
for program in kyso-agent kyso-install; do
  # Stripped: debug information stays with the build.
  install -m 755 -s "$bin/$program" "$stage/usr/bin/$program"
done
install -m 644 "$here/copyright" "$stage/usr/share/doc/kyso/copyright"
install -m 644 "$here/kyso-settings.desktop" "$stage/usr/share/applications/vn.kyso.Settings.desktop"
for script in config postinst prerm postrm; do
  install -m 755 "$here/$script" "$stage/DEBIAN/$script"
done
install -m 644 "$here/templates" "$stage/DEBIAN/templates"
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$(dpkg --print-architecture)/" -e "s/@SIZE@/$size/" \
  "$here/control.in" > "$stage/DEBIAN/control"
dpkg-deb --root-owner-group --build "$stage" "$out" >/dev/null

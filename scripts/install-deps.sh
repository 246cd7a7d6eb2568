#!/usr/bin/env bash
# Installs what Kyso's demo and tests need on Debian/Ubuntu, skipping what is already there.
# Usage: scripts/install-deps.sh [demo|test]   (as root, or with sudo available)
set -euo pipefail
mode=${1:-test}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(softhsm2 opensc openssl ca-certificates build-essential pkg-config curl fonts-liberation2)
[ "$mode" = demo ] && packages+=(libnss3-tools pinentry-curses)
# What the consent window loads at run time (X11 or XWayland, OpenGL): a desktop has them all.
packages+=(libgl1 libegl1 libgl1-mesa-dri libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0)
[ "$mode" = test ] && packages+=(python3 python3-pip iproute2 gcc-mingw-w64-x86-64 qpdf poppler-utils ghostscript)
# The PDF corpus's producers (tests/corpus/make-corpus.sh). LibreOffice Writer without its GUI:
# 49 packages, 84 MB to fetch, 259 MB on disk, 17 s to install on Debian 12.
[ "$mode" = test ] && packages+=(python3-reportlab fontconfig libreoffice-writer-nogui)
# Browser tests: Debian's chromium (no browser download), certutil for its NSS database, and
# Node.js for playwright-core when the machine has none.
[ "$mode" = test ] && packages+=(chromium libnss3-tools)
# The installer tests: the MSI built with wixl (+ msitools' msibuild) and run under 64-bit Wine.
[ "$mode" = test ] && packages+=(wixl msitools wine wine64)
# The window tests: a virtual X display, xdotool to type and press keys, xwd + ImageMagick for
# screenshots, Tesseract with its Vietnamese model to read them back.
[ "$mode" = test ] && packages+=(xvfb xdotool x11-apps imagemagick tesseract-ocr tesseract-ocr-vie)
# The tray test: a private session bus for the agent's StatusNotifierItem (busctl is systemd's),
# dbus-monitor, and a notification service to show the flood warning's bubble.
[ "$mode" = test ] && packages+=(dbus-daemon dbus-bin notification-daemon)
# The package test checks the Settings menu entry with desktop-file-validate.
[ "$mode" = test ] && packages+=(desktop-file-utils)
# The audit trail test reads what the agent sent to the journal (journald, journalctl).
[ "$mode" = test ] && packages+=(systemd)
[ "$mode" = test ] && ! command -v npm >/dev/null 2>&1 && packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "installing Rust (rustup; the toolchain pinned in rust-toolchain.toml is fetched on first build)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
fi

# pyHanko validates (and, with its PKCS#11 extra, makes the "already signed" test input);
# reportlab is one of the PDF producers of the test corpus.
if [ "$mode" = test ] && ! { command -v pyhanko >/dev/null 2>&1 && python3 -c "import pkcs11, reportlab" 2>/dev/null; }; then
  echo "installing pyHanko with its PKCS#11 extra, and reportlab"
  # Debian marks the system Python as externally managed; this is a test machine.
  python3 -m pip install -q pyhanko-cli "pyhanko[pkcs11]" reportlab 2>/dev/null \
    || python3 -m pip install -q --break-system-packages pyhanko-cli "pyhanko[pkcs11]" reportlab
fi

# playwright-core, pinned by tests/browser/package-lock.json, drives chromium in the browser tests.
browser_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ "$mode" = test ] && [ ! -d "$browser_tests/node_modules/playwright-core" ]; then
  echo "installing playwright-core for the browser tests"
  (cd "$browser_tests" && npm ci --no-audit --no-fund --loglevel=error)
fi

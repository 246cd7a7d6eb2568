#!/usr/bin/env bash
# Benchmark one detached signature (RSA-2048, SoftHSM2) through Kyso against `openssl cms -sign`
# with the same key via the OpenSSL PKCS#11 engine, in the same run. Builds release binaries.
# Usage: bench/detached.sh [--iterations N] [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
command -v dpkg-query >/dev/null && ! dpkg-query -W -f='${Status}' libengine-pkcs11-openssl 2>/dev/null | grep -q "ok installed" \
  && { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq libengine-pkcs11-openssl >/dev/null || true; }
# pyHanko's PKCS#11 extra (python-pkcs11) for the pyHanko peer; the bench skips it if absent.
python3 -c "import pkcs11" 2>/dev/null || python3 -m pip install -q "pyhanko[pkcs11]" 2>/dev/null \
  || python3 -m pip install -q --break-system-packages "pyhanko[pkcs11]" 2>/dev/null || true
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -p kyso-agent -p kyso-tests --bins
exec target/release/bench-detached "$@"

#!/usr/bin/env bash
# Benchmark signing a large scanned PDF file to file (Kyso CLI, SoftHSM key) against the two-pass
# floor `openssl dgst -sha256 FILE && cp FILE COPY` and pyHanko's CLI with the same key, in the
# same run, with peak RSS. Builds release binaries.
# Usage: bench/pdf.sh [--pages N] [--iterations N] [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
python3 -c "import pkcs11" 2>/dev/null || python3 -m pip install -q "pyhanko[pkcs11]" 2>/dev/null \
  || python3 -m pip install -q --break-system-packages "pyhanko[pkcs11]" 2>/dev/null || true
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -p kyso-agent -p kyso-tests --bins
exec target/release/bench-pdf "$@"

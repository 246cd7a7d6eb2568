#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs missing system packages, then format check,
# clippy with warnings as errors (Linux and Windows targets), build, and every test (unit and end-to-end, real parts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
export PATH="$HOME/.cargo/bin:$PATH"
# A user config named in the environment must not leak into the tests (they pass their own).
unset KYSO_CONFIG
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The Windows-only code (registry policy, driver paths) must at least build and lint.
cargo clippy --locked --target x86_64-pc-windows-gnu -p kyso-agent -p kyso-installer -p kyso-protocol -- -D warnings
cargo build --workspace --locked
cargo test --workspace --locked

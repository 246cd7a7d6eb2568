#!/usr/bin/env bash
# Runs Kyso with a demo token (SoftHSM2, PIN 123456) and a demo portal at
# https://localhost:8988: a page signing a sample decision with each act through kyso.js, and a
# page making the Government CA plugin's WebSocket calls. Ctrl-C stops it.
# The demo PKI, token and TLS certificate live in $KYSO_DEMO_DIR (default ~/.local/share/kyso-demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh demo
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --locked -p kyso-agent
agent="$root/target/debug/kyso-agent"
demo=${KYSO_DEMO_DIR:-$HOME/.local/share/kyso-demo}
mkdir -p "$demo"
[ -f "$demo/pki/env" ] || bash tests/pki/make-test-pki.sh "$demo/pki"
[ -f "$demo/tls/cert.pem" ] || "$agent" dev-cert --out "$demo/tls" >/dev/null
. "$demo/pki/env"

# Let Chromium/Chrome (and Firefox with enterprise roots) trust the demo CA. The CA can only
# vouch for localhost, 127.0.0.1 and ::1 (critical name constraints) and its key is gone.
if command -v certutil >/dev/null 2>&1; then
  mkdir -p "$HOME/.pki/nssdb"
  [ -f "$HOME/.pki/nssdb/cert9.db" ] || certutil -d "sql:$HOME/.pki/nssdb" -N --empty-password
  certutil -d "sql:$HOME/.pki/nssdb" -D -n "Kyso demo local CA" 2>/dev/null || true
  certutil -d "sql:$HOME/.pki/nssdb" -A -t "C,," -n "Kyso demo local CA" -i "$demo/tls/ca.pem"
fi

# Kyso's own consent window on a desktop; pinentry (in the terminal) without one.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then prompt='prompt = "window"'; else prompt='prompt = "pinentry"'; fi

cat > "$demo/agent.toml" <<TOML
port = 8987
allowed_origins = ["https://localhost:8988"]
$prompt
prompter = "pinentry"

[tls]
cert = "$demo/tls/cert.pem"
key = "$demo/tls/key.pem"

[pkcs11]
modules = ["$MODULE"]

[trust]
anchors = ["$demo/pki/root.pem"]

[outbound]                 # the agent downloads from and uploads to the demo portal
tls_roots = ["$demo/tls/ca.pem"]

[compat]                   # plugin calls sign with the official's certificate
certificate = "$(openssl x509 -in "$demo/pki/person-rsa.pem" -outform DER | sha256sum | cut -d' ' -f1)"
TOML

cat <<MSG

  Kyso demo
  - Open https://localhost:8988 in Chromium or Chrome on this machine.
    (The demo CA was added to ~/.pki/nssdb; other browsers: import $demo/tls/ca.pem.)
  - Choose a certificate (Nguyễn Văn An), press "Ký duyệt / Approve", then "Ban hành / Issue"
    (number and date filled in, the seal over the signature), "Kiểm tra / Verify"; the PIN
    window appears here (pinentry; in this terminal when there is no desktop). Demo PIN: $PIN
  - https://localhost:8988/plugin.html makes the same calls as portals built for the
    Government CA plugin (wss://127.0.0.1:8987/SignApproved, ...).
  - To undo: certutil -d sql:\$HOME/.pki/nssdb -D -n "Kyso demo local CA"; rm -r $demo

MSG
exec env SOFTHSM2_CONF="$SOFTHSM2_CONF" "$agent" --config "$demo/agent.toml" demo

#!/usr/bin/env bash
# Makes a throw-away PKI shaped like the Vietnamese government's (root CA -> issuing CA ->
# end-entity certificates with Vietnamese subjects) and a SoftHSM2 token holding the keys.
# Nothing secret is committed: the end-to-end tests run this at start-up.
#
# Usage: make-test-pki.sh DIR
#   PIN (default 123456) and SO (default 12345678) set the token's user and SO PINs;
#   MODULE overrides the path of libsofthsm2.so;
#   RESPONDER (e.g. http://127.0.0.1:8080), when set, is written into the certificates as where
#   their revocation status is found: OCSP at RESPONDER/ocsp, CRLs at RESPONDER/crl/root.crl and
#   RESPONDER/crl/issuing.crl, the issuing CA at RESPONDER/certs/issuing.der. The test harness
#   serves them from DIR (tests/src/responders.rs), with a TSA at RESPONDER/tsa.
#
# DIR gets (anything from an earlier run is replaced):
#   softhsm2.conf       SoftHSM2 configuration (tokendir DIR/tokens, removable slots)
#   tokens/             the token "kyso-test"
#   env                 SOFTHSM2_CONF=..., PIN=..., MODULE=... (one per line, unquoted)
#   root.pem            root CA            (RSA 3072)
#   issuing.pem         issuing CA         (RSA 3072, pathlen 0), also on the token: id a0
#   chain.pem           issuing.pem then root.pem
#   <name>.pem/.der     end-entity certificates; key and certificate on the token with
#                       label <name> and the id below:
#     person-rsa  01    RSA 2048, an official
#     org-rsa     02    RSA 2048, the agency's seal
#     person-ec   03    ECDSA P-256, an official (certificate CKA_ID 13)
#     expired-rsa 04    RSA 2048, valid 2020-01-01 .. 2021-01-01
#     person-always 05  RSA 2048, CKA_ALWAYS_AUTHENTICATE (PIN at every signature; certificate CKA_ID 15)
#     revoked-rsa 06    RSA 2048, revoked (keyCompromise) by the issuing CA
#   ocsp.pem            the OCSP responder's certificate (issued by the issuing CA, id-pkix-ocsp-nocheck)
#   tsa.pem             the TSA's certificate (issued by the issuing CA, critical EKU timeStamping)
#   crl/root.crl        the root's CRL (DER), listing nothing
#   crl/issuing.crl     the issuing CA's CRL (DER), listing revoked-rsa
#   ca/                 what the responders need: the CA databases (ca/root, ca/issuing, with
#                       index.txt), openssl.cnf, tsa.cnf, and the keys of the two CAs, the OCSP
#                       responder and the TSA. End-entity keys are only on the token.
# The script exports nothing; callers set SOFTHSM2_CONF=DIR/softhsm2.conf themselves.
set -euo pipefail

die() { echo "make-test-pki: $*" >&2; exit 1; }
[[ $# -eq 1 && -n $1 ]] || die "usage: make-test-pki.sh DIR"

PIN=${PIN:-123456}
SO=${SO:-12345678}
TOKEN=kyso-test

find_module() {
  local m
  if [[ -n ${MODULE:-} ]]; then
    [[ -f $MODULE ]] || die "MODULE=$MODULE does not exist"
    echo "$MODULE"
    return
  fi
  for m in \
    /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib64/pkcs11/libsofthsm2.so \
    /usr/local/lib/softhsm/libsofthsm2.so \
    /opt/homebrew/lib/softhsm/libsofthsm2.so; do
    [[ -f $m ]] && { echo "$m"; return; }
  done
  m=$(dpkg -L libsofthsm2 2>/dev/null | grep '/libsofthsm2\.so$' | head -n1) || true
  [[ -n $m && -f $m ]] && { echo "$m"; return; }
  die "libsofthsm2.so not found; install softhsm2 or set MODULE"
}
MODULE=$(find_module)
for tool in openssl softhsm2-util pkcs11-tool; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

mkdir -p "$1"
D=$(cd "$1" && pwd)
W=$D/.work # keys, CSRs and the CA database; removed on exit, whatever happens
rm -rf "$W" "$D/tokens" "$D/ca" "$D/crl" "$D/env" # env is written last: its presence means success
mkdir -p "$W" "$D/tokens"
trap 'rm -rf "$W"' EXIT

# Runs a command quietly; shows its output only if it fails. No stdin: softhsm2-util prompts
# for a PIN it dislikes instead of failing.
run() {
  local out
  if ! out=$("$@" 2>&1 </dev/null); then
    echo "make-test-pki: failed: $*" >&2
    echo "$out" >&2
    exit 1
  fi
}
hsm() { run env SOFTHSM2_CONF="$D/softhsm2.conf" "$@"; }

cat >"$D/softhsm2.conf" <<EOF
directories.tokendir = $D/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
EOF

# UTC time a number of days from now (negative: in the past), as openssl ca wants it.
when() {
  local bsd=$1
  [[ $bsd == -* ]] || bsd=+$bsd
  date -u -d "$1 days" +%Y%m%d%H%M%SZ 2>/dev/null || date -u -v"${bsd}d" +%Y%m%d%H%M%SZ
}

cat >"$W/openssl.cnf" <<'EOF'
[req]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[req_dn]

[ca]
default_ca = issuing
EOF
# The two CAs have the same settings, each its own database (openssl ca -name root|issuing).
for ca in root issuing; do
  cat >>"$W/openssl.cnf" <<EOF
[$ca]
dir = ./$ca
database = \$dir/index.txt
new_certs_dir = \$dir/issued
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_crl_days = 30
default_md = sha256
policy = policy_any
unique_subject = no
preserve = yes
email_in_dn = no
copy_extensions = none
string_mask = utf8only
EOF
done
cat >>"$W/openssl.cnf" <<'EOF'
[policy_any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[v3_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_issuing]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_ocsp]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
# Where revocation status is found: for what the issuing CA issues (status.ext), and for the
# issuing CA itself (the root's CRL).
if [[ -n ${RESPONDER:-} ]]; then
  printf 'authorityInfoAccess = OCSP;URI:%s/ocsp,caIssuers;URI:%s/certs/issuing.der\ncrlDistributionPoints = URI:%s/crl/issuing.crl\n' \
    "$RESPONDER" "$RESPONDER" "$RESPONDER" >"$W/status.ext"
  sed -i "/^\[v3_issuing\]/a crlDistributionPoints = URI:$RESPONDER/crl/root.crl" "$W/openssl.cnf"
else
  : >"$W/status.ext"
fi
cat >>"$W/openssl.cnf" <<EOF
[v3_tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
$(cat "$W/status.ext")
EOF
cd "$W"
for ca in root issuing; do
  mkdir -p $ca/issued
  : >$ca/index.txt
  echo 01 >$ca/serial
  echo 01 >$ca/crlnumber
done

rsa() { run openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$1" -out "$2"; }
ec() { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1"; }
csr() { run openssl req -config openssl.cnf -new -utf8 -key "$1" -subj "$2" -out "$3"; }
# sign CA CSR OUT EXTENSIONS START END [-cert CA-CERT -keyfile CA-KEY | -selfsign -keyfile KEY ...]
sign() {
  local ca=$1 in=$2 out=$3 ext=$4 start=$5 end=$6
  shift 6
  run openssl ca -config openssl.cnf -name "$ca" -batch -notext -utf8 -rand_serial -in "$in" -out "$out" \
    -extensions "$ext" -startdate "$start" -enddate "$end" "$@"
}
# An end entity's extensions, with its e-mail address in subjectAltName.
ee_extensions() {
  cat <<EOF
[v3_ee]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:$1
$(cat "$W/status.ext")
EOF
}

# Root and issuing CA, like Ban Cơ yếu Chính phủ's.
rsa 3072 root.key
csr root.key "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Root CA chuyên dùng Chính phủ" root.csr
sign root root.csr "$D/root.pem" v3_root 20190101000000Z "$(when 3650)" -selfsign -keyfile root.key
rsa 3072 issuing.key
csr issuing.key "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Cục Chứng thực số" issuing.csr
sign root issuing.csr "$D/issuing.pem" v3_issuing 20190101000000Z "$(when 3000)" \
  -cert "$D/root.pem" -keyfile root.key
cat "$D/issuing.pem" "$D/root.pem" >"$D/chain.pem"

# end_entity NAME KEYTYPE EMAIL SUBJECT START END
end_entity() {
  local name=$1 type=$2 email=$3 subject=$4 start=$5 end=$6
  case $type in
    rsa) rsa 2048 "$name.key" ;;
    ec) ec "$name.key" ;;
  esac
  csr "$name.key" "$subject" "$name.csr"
  ee_extensions "$email" >"$name.ext"
  sign issuing "$name.csr" "$D/$name.pem" v3_ee "$start" "$end" \
    -cert "$D/issuing.pem" -keyfile issuing.key -extfile "$name.ext"
  run openssl x509 -in "$D/$name.pem" -outform der -out "$D/$name.der"
}
# openssl ca wants the subject most significant first; it is written as given.
end_entity person-rsa rsa an.nv@ninhbinh.gov.vn \
  "/C=VN/ST=Ninh Bình/O=Sở Nông nghiệp và Môi trường/CN=Nguyễn Văn An" "$(when -1)" "$(when 730)"
end_entity org-rsa rsa snnmt@ninhbinh.gov.vn \
  "/C=VN/ST=Ninh Bình/O=Sở Nông nghiệp và Môi trường/CN=Sở Nông nghiệp và Môi trường tỉnh Ninh Bình" \
  "$(when -1)" "$(when 730)"
end_entity person-ec ec binh.tt@ninhbinh.gov.vn \
  "/C=VN/ST=Ninh Bình/O=Sở Nông nghiệp và Môi trường/CN=Trần Thị Bình" "$(when -1)" "$(when 730)"
end_entity expired-rsa rsa cuong.lv@ninhbinh.gov.vn \
  "/C=VN/ST=Ninh Bình/O=Sở Nông nghiệp và Môi trường/CN=Lê Văn Cường" \
  20200101000000Z 20210101000000Z
end_entity person-always rsa hoa.pt@ninhbinh.gov.vn \
  "/C=VN/ST=Ninh Bình/O=Sở Nông nghiệp và Môi trường/CN=Phạm Thị Hoa" "$(when -1)" "$(when 730)"
end_entity revoked-rsa rsa dung.hv@ninhbinh.gov.vn \
  "/C=VN/ST=Ninh Bình/O=Sở Nông nghiệp và Môi trường/CN=Hoàng Văn Dũng" "$(when -1)" "$(when 730)"
run openssl ca -config openssl.cnf -name issuing -revoke "$D/revoked-rsa.pem" \
  -crl_reason keyCompromise -cert "$D/issuing.pem" -keyfile issuing.key

# The OCSP responder and the TSA, issued by the issuing CA.
rsa 2048 ocsp.key
csr ocsp.key "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test OCSP Cục Chứng thực số" ocsp.csr
sign issuing ocsp.csr "$D/ocsp.pem" v3_ocsp "$(when -1)" "$(when 730)" -cert "$D/issuing.pem" -keyfile issuing.key
rsa 2048 tsa.key
csr tsa.key "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test TSA Cục Chứng thực số" tsa.csr
sign issuing tsa.csr "$D/tsa.pem" v3_tsa "$(when -1)" "$(when 730)" -cert "$D/issuing.pem" -keyfile issuing.key
cat >tsa.cnf <<'EOF'
[tsa]
default_tsa = tsa1
[tsa1]
dir = .
serial = ./tsa-serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.704.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
echo 01 >tsa-serial

# CRLs, DER, as they are served.
mkdir -p "$D/crl"
run openssl ca -config openssl.cnf -name root -gencrl -cert "$D/root.pem" -keyfile root.key -out root.crl.pem
run openssl crl -in root.crl.pem -outform der -out "$D/crl/root.crl"
run openssl ca -config openssl.cnf -name issuing -gencrl -cert "$D/issuing.pem" -keyfile issuing.key -out issuing.crl.pem
run openssl crl -in issuing.crl.pem -outform der -out "$D/crl/issuing.crl"

# The token. genpkey writes unencrypted PKCS#8 PEM, which is what softhsm2-util imports.
hsm softhsm2-util --init-token --free --label "$TOKEN" --pin "$PIN" --so-pin "$SO"
p11() { hsm pkcs11-tool --module "$MODULE" --token-label "$TOKEN" --login --pin "$PIN" "$@"; }
id=1
for name in person-rsa org-rsa person-ec expired-rsa person-always revoked-rsa; do
  [[ $name == person-always ]] && { id=$((id + 1)); continue; } # imported below
  hsm softhsm2-util --import "$name.key" --token "$TOKEN" --label "$name" --id "0$id" --pin "$PIN"
  # person-ec's certificate gets another CKA_ID than its key, as some enrolment tools leave it:
  # the agent must find the key through the public key object's EC point.
  cert_id="0$id"; [ "$name" = person-ec ] && cert_id="1$id"
  p11 --write-object "$D/$name.der" --type cert --id "$cert_id" --label "$name"
  id=$((id + 1))
done
# A key that asks for the PIN again at every signature (CKA_ALWAYS_AUTHENTICATE), as some
# tokens' qualified keys do; softhsm2-util cannot set the attribute, pkcs11-tool can.
run openssl pkey -in person-always.key -outform DER -out person-always.key.der
p11 --write-object person-always.key.der --type privkey --id 05 --label person-always --always-auth
# Its certificate's CKA_ID differs too: the agent matches the key by RSA modulus.
p11 --write-object "$D/person-always.der" --type cert --id 15 --label person-always
run openssl x509 -in "$D/issuing.pem" -outform der -out issuing.der
p11 --write-object issuing.der --type cert --id a0 --label issuing-ca

# Sanity check: 6 private keys and 7 certificates on the token.
objects=$(env SOFTHSM2_CONF="$D/softhsm2.conf" pkcs11-tool --module "$MODULE" \
  --token-label "$TOKEN" --login --pin "$PIN" --list-objects 2>/dev/null </dev/null)
keys=$(grep -c '^Private Key Object' <<<"$objects" || true)
certs=$(grep -c '^Certificate Object' <<<"$objects" || true)
[[ $keys == 6 && $certs == 7 ]] || die "token holds $keys private keys and $certs certificates, expected 6 and 7"

printf 'SOFTHSM2_CONF=%s\nPIN=%s\nMODULE=%s\n' "$D/softhsm2.conf" "$PIN" "$MODULE" >"$D/env"
# What the responders need; the rest of .work (end-entity keys, CSRs) goes on exit.
rm -rf "$D/ca"
mkdir -p "$D/ca"
cp -r root issuing root.key issuing.key ocsp.key tsa.key openssl.cnf tsa.cnf tsa-serial "$D/ca/"
cd "$D"
rm -f ./*.key ./*.p8 # none are written here, but make sure
echo "make-test-pki: PKI and token \"$TOKEN\" in $D (SOFTHSM2_CONF=$D/softhsm2.conf)"

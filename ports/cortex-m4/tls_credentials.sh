#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ports/cortex-m4/tls_credentials.sh OUT.h: the TLS firmware's certificate
# and key, made at build time (port.cmake runs it): a fresh NIST P-256 key
# and a self-signed certificate for "localhost" (SHA-256, ten years),
# written as two C string constants (PEM text, NUL-terminated):
#
#     static const char cm4_tls_cert_pem[] = "-----BEGIN CERTIFICATE-----\n" ...;
#     static const char cm4_tls_key_pem[]  = "-----BEGIN PRIVATE KEY-----\n" ...;
#
# Every build gets its own key: none is kept in the repository, none is a
# published test key. A product provisions one key per device (a flash
# partition, a secure element) and passes it to use_certificate_pem at run
# time; it does not compile a key into an image that every device shares.
# Needs the `openssl` command (Debian: openssl).
set -euo pipefail
out=${1:?usage: tls_credentials.sh OUT.h}
command -v openssl >/dev/null || { echo "tls_credentials.sh: the openssl command is needed (apt-get install openssl)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
c_string() { sed 's/.*/  "&\\n"/' "$1"; }
{
  echo "// Written by ports/cortex-m4/tls_credentials.sh at build time: a throwaway"
  echo "// self-signed certificate for localhost and its P-256 key. Not a secret of"
  echo "// any device; never ship it."
  echo "static const char cm4_tls_cert_pem[] ="
  c_string "$tmp/cert.pem"
  echo "  ;"
  echo "static const char cm4_tls_key_pem[] ="
  c_string "$tmp/key.pem"
  echo "  ;"
} >"$out.tmp"
mv "$out.tmp" "$out"

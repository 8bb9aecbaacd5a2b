#!/bin/sh
# SPDX-License-Identifier: MIT
# Makes the TLS suite's certificates with the openssl command, into DIR:
#   ca.pem/ca.key            the test CA
#   server.pem/server.key    localhost (DNS:localhost, IP:127.0.0.1), by the CA
#   other.pem/other.key      other.example only, by the CA
#   expired.pem/expired.key  localhost, by the CA, valid in 2020 only
#   client.pem/client.key    a client certificate (clientAuth), by the CA
#   rogue_ca.pem, rogue.pem/rogue.key   localhost, by a CA nobody trusts
# P-256 keys (fast to make; both engines speak ECDSA). Usage: make_certs.sh DIR
set -eu
d=$1
mkdir -p "$d"
cd "$d"
ossl() { openssl "$@" 2>/dev/null; }
newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
mkca() {  # name subject
  newkey "$1.key"
  ossl req -x509 -new -key "$1.key" -out "$1.pem" -subj "/CN=$2" -days 3 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
leaf() {  # name cn san eku ca
  newkey "$1.key"
  ossl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$3" "$4" > "$1.ext"
  ossl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext"
}
mkca ca "asyncore test CA"
mkca rogue_ca "asyncore rogue CA"
leaf server localhost "DNS:localhost,IP:127.0.0.1" serverAuth ca
leaf other other.example "DNS:other.example" serverAuth ca
leaf client "asyncore test client" "DNS:client.example" clientAuth ca
leaf rogue localhost "DNS:localhost,IP:127.0.0.1" serverAuth rogue_ca
# Expired: `openssl ca` takes explicit dates.
newkey expired.key
ossl req -new -key expired.key -out expired.csr -subj "/CN=localhost"
mkdir -p ca_db
: > ca_db/index.txt
echo 1000 > ca_db/serial
cat > ca_db/ca.cnf <<CNF
[ca]
default_ca = test
[test]
dir = ca_db
database = ca_db/index.txt
serial = ca_db/serial
new_certs_dir = ca_db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
[any]
commonName = supplied
[ext]
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
basicConstraints = CA:FALSE
CNF
ossl ca -batch -config ca_db/ca.cnf -in expired.csr -out expired.pem -notext \
  -startdate 20200101000000Z -enddate 20200102000000Z
for f in ca server other expired client rogue; do test -s "$f.pem"; done
echo ok

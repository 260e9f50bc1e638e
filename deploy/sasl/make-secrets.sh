#!/bin/sh
# deploy/sasl/make-secrets.sh PARTNER...: a test CA, the broker's PKCS12 keystore (for kafka and
# localhost), a password for the workers' principal (vigilmar) and one per partner, in
# deploy/sasl/secrets/ (never commit it). Load secrets/env before `docker compose ... up`.
# Give each partner ca.crt, its name and its password, and the broker's address.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets
cd secrets
[ -f ca.key ] || openssl req -x509 -newkey rsa:3072 -nodes -days 825 -subj "/CN=Vigilmar test CA" \
  -keyout ca.key -out ca.crt
store=$(openssl rand -hex 16)
openssl req -newkey rsa:3072 -nodes -subj "/CN=kafka" -keyout broker.key -out broker.csr
printf 'subjectAltName=DNS:kafka,DNS:localhost\n' > san.ext
openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
  -extfile san.ext -out broker.crt
openssl pkcs12 -export -in broker.crt -inkey broker.key -certfile ca.crt -name kafka \
  -passout "pass:$store" -out broker.p12
chmod 644 broker.p12 ca.crt
partners="${*:-coast-guard-co port-state}"
for user in vigilmar $partners; do
  [ -f "$user.password" ] || openssl rand -hex 24 > "$user.password"
  chmod 644 "$user.password"   # read by the setup container; keep secrets/ itself private
done
cat > env <<ENV
KAFKA_KEYSTORE_PASSWORD=$store
VIGILMAR_SASL_PASSWORD=$(cat vigilmar.password)
SASL_PARTNERS="$partners"
ENV
echo "secrets in $(pwd); partners: $partners"

#!/usr/bin/env bash
# Certificates for the webhook without cert-manager: a private CA and a serving
# certificate for loom-webhook.loom-system.svc, written to DIR (default ./loom-webhook-certs).
# Prints the caBundle for webhook.yaml's MutatingWebhookConfiguration and the command that
# stores the certificate in the Secret the webhook mounts.
#   deploy/webhook/make-certs.sh [DIR] [DAYS]
set -euo pipefail
dir=${1:-loom-webhook-certs}
days=${2:-825}
name=loom-webhook.loom-system.svc
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -days "$days" -subj "/CN=loom-webhook-ca" -keyout ca.key -out ca.crt 2>/dev/null
openssl req "${ec[@]}" -subj "/CN=$name" -keyout tls.key -out tls.csr 2>/dev/null
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$name" >ext.cnf
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" -extfile ext.cnf -out tls.crt 2>/dev/null
rm -f tls.csr ext.cnf ca.srl
chmod 600 ca.key tls.key
cat <<MSG
Wrote $(pwd)/{ca.crt,ca.key,tls.crt,tls.key}. Keep ca.key offline.
Store the serving certificate:
  kubectl -n loom-system create secret tls loom-webhook-tls --cert=$(pwd)/tls.crt --key=$(pwd)/tls.key
caBundle (put it in both webhooks' clientConfig, and drop the cert-manager annotation):
$(base64 -w0 ca.crt)
MSG

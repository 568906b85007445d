#!/usr/bin/env bash
# Posts a WMS batch (a JSON file) to the service, signed the way a WMS signs it
# (X-Invsync-Signature: t=<unix seconds>,k=<key id>,v1=<hex HMAC-SHA256 of "<t>.<body>">).
#
#   scripts/wms-post.sh examples/wms-v1-batch.json                  # REST alias POST /inventory/sync
#   scripts/wms-post.sh examples/wms-v1-batch.json /invsync.wms.v1.WmsSyncService/SyncInventory
#
# Key: WMS_KEY=<key id>:<secret>, else the embedded mode's development key (<DATA_DIR>/../wms-dev-signing-key).
# Service: INVSYNC_URL (default http://127.0.0.1:8080). A signature is accepted once: post the same
# file again a second later (new timestamp, new signature) to see it acknowledged as duplicates.
set -euo pipefail
file=${1:?usage: scripts/wms-post.sh <batch.json> [path]}
path=${2:-/inventory/sync}
key=${WMS_KEY:-$(cat "$(dirname "${DATA_DIR:-.data/pglite}")/wms-dev-signing-key")}
key_id=${key%%:*}
secret=${key#*:}
t=$(date +%s)
signature=$( (printf '%s.' "$t"; cat "$file") | openssl dgst -sha256 -hmac "$secret" -hex | sed 's/^.*= //')
curl -sS "${INVSYNC_URL:-http://127.0.0.1:8080}$path" \
  -H 'content-type: application/json' \
  -H "x-invsync-signature: t=$t,k=$key_id,v1=$signature" \
  --data-binary @"$file"
echo

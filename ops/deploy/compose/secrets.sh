#!/usr/bin/env bash
# Writes random development secrets for ops/deploy/compose.yaml into ops/deploy/compose/secrets/ (git ignores
# them), keeping any that exist. Mode 0644: the containers run as other users than yours and read them through
# compose `secrets:` (bind mounts); keep the checkout private.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/secrets"
mkdir -p "$dir"
for name in db_password provider_api_key grafana_admin_password; do
  if [ ! -s "$dir/$name" ]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/$name"
    chmod 0644 "$dir/$name"
    echo "wrote $dir/$name"
  fi
done

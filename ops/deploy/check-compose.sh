#!/usr/bin/env bash
# Validates ops/deploy/compose.yaml against the Compose schema without a container engine: `docker compose config`
# (the v2 plugin) or `docker-compose config` (v1, Debian's package, installed here when neither exists and we run
# as root, as bin/test does for Prometheus). Neither needs a Docker daemon. It checks the file's structure and
# interpolation, not that the stack runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "check-compose: installing Debian's docker-compose (to validate ops/deploy/compose.yaml)" >&2
      (DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-compose >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-compose >/dev/null; })
    else
      echo "check-compose: neither 'docker compose' nor 'docker-compose' is installed" >&2
      exit 1
    fi
  fi
  compose=(docker-compose)
fi
"${compose[@]}" -f "$here/compose.yaml" config -q
echo "check-compose: ops/deploy/compose.yaml is valid (${compose[*]} config)"

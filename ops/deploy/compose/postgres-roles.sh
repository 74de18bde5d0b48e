#!/usr/bin/env bash
# Run once by the postgres image when it initialises its data directory: lets the service's user open
# replication connections from the compose network, which the CDC relay (RELAY_MODE=cdc) needs; the image's
# pg_hba.conf admits only ordinary connections from other hosts.
set -euo pipefail
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "${PGDATA}/pg_hba.conf"

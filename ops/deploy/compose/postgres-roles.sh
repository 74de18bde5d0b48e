#!/usr/bin/env bash
# Run once by the postgres image when it initialises its data directory. The image's POSTGRES_USER (wallet) is the
# migration role: it owns the schema and the `migrate` one-shot runs as it. This creates the runtime role
# wallet_app, which the api, relay and consumer containers connect as: it owns nothing and gets only the rights of
# its group roles, granted by `migrate` (docs/operations.md, "Database roles"); REPLICATION and a pg_hba.conf line
# let it open the replication connection the CDC relay (RELAY_MODE=cdc) needs (the image admits only ordinary
# connections from other hosts).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
  -v password="$(cat /run/secrets/db_app_password)" <<'SQL'
CREATE ROLE wallet_app LOGIN REPLICATION PASSWORD :'password';
SQL
echo "host replication wallet_app all scram-sha-256" >> "${PGDATA}/pg_hba.conf"

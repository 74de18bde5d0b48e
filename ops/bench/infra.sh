# Sourced by the bench scripts that start the service (payments-bench.sh, biller-bench.sh,
# service-latency-bench.sh): which PostgreSQL and Kafka the run uses (issue 25).
#
# Embedded (DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS unset): the service starts its own under DATA_DIR, as before;
# the scripts read the database's address from its log. External (both set, with DATABASE_USER, DATABASE_PASSWORD
# and the service's KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_* / KAFKA_CLIENT_PROPERTIES_FILE, which the
# service reads itself): nothing embedded starts; bench_setup creates a database of the run's own on that server
# (CREATE DATABASE: the user needs CREATEDB) and names an events topic of its own (EVENTS_TOPIC, created by the
# service), and starts the jar's development issuer (AUTH_ISSUER: required outside embedded mode); bench_cleanup
# drops the database (topics are left). psql and pgbench reach the server from DATABASE_URL's first host.
#
# Functions: bench_setup <name> <work dir>, bench_service_env (the service's variables, as NAME=value words),
# bench_pg_from_log <service log> (embedded: PG from the started service), bench_infra_line (the INFRA line: server
# version, non-default settings, broker version; see io.walletoutbox.embedded.BenchInfrastructure), bench_cleanup.
# After bench_setup or bench_pg_from_log: PG=(-h host -p port -U user database) for psql/pgbench, PGPASSWORD
# exported, BENCH_JDBC (the run's JDBC URL), BENCH_STACK (embedded or external).

BENCH_STACK=embedded
if [[ -n "${DATABASE_URL:-}" || -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
  if [[ -z "${DATABASE_URL:-}" || -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
    echo "set both DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS (or neither, for the embedded PostgreSQL and broker)" >&2
    exit 2
  fi
  BENCH_STACK=external
fi
bench_db=""
bench_issuer=""
PG=()
BENCH_JDBC=""

# PG and PGPASSWORD from a JDBC URL (jdbc:postgresql://host[:port][,host2…]/database[?…]): its first host.
bench_pg_from_jdbc() {
  local rest=${1#jdbc:postgresql://} hostport database
  hostport=${rest%%/*}
  hostport=${hostport%%,*}
  database=${rest#*/}
  database=${database%%\?*}
  local host=${hostport%:*} port=5432
  [[ $hostport == *:* ]] && port=${hostport##*:}
  host=${host#[}
  host=${host%]}
  PG=(-h "$host" -p "$port" -U "${DATABASE_USER:-postgres}" "$database")
  export PGPASSWORD=${DATABASE_PASSWORD:-}
  BENCH_JDBC=$1
}

bench_setup() { # $1 = a name for the database and topic, $2 = the run's work directory
  [[ $BENCH_STACK == external ]] || return 0
  local suffix
  suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
  bench_db="bench_${1//-/_}_$suffix"
  bench_pg_from_jdbc "$DATABASE_URL"
  psql -qX -v ON_ERROR_STOP=1 "${PG[@]}" -c "CREATE DATABASE $bench_db" \
    || { echo "could not create database $bench_db on the server of DATABASE_URL (the user needs CREATEDB)" >&2; exit 1; }
  # The same URL with the run's database (its host list and parameters kept).
  local base=${DATABASE_URL%%\?*} query=""
  [[ $DATABASE_URL == *\?* ]] && query="?${DATABASE_URL#*\?}"
  bench_pg_from_jdbc "${base%/*}/$bench_db$query"
  export EVENTS_TOPIC="bench.$1.$suffix"
  if [[ -z "${AUTH_ISSUER:-}" ]]; then
    DATA_DIR="$2/issuer-data" HTTP_PORT=0 "$JAVA_HOME/bin/java" -jar app/target/wallet-outbox.jar dev-issuer \
      >"$2/issuer.log" 2>&1 &
    bench_issuer=$!
    for _ in $(seq 1 60); do
      grep -q '^development issuer ' "$2/issuer.log" && break
      kill -0 "$bench_issuer" 2>/dev/null || { cat "$2/issuer.log" >&2; exit 1; }
      sleep 0.5
    done
    AUTH_ISSUER=$(sed -nE 's/^development issuer ([^ ]+) .*/\1/p' "$2/issuer.log")
    [[ -n "$AUTH_ISSUER" ]] || { cat "$2/issuer.log" >&2; echo "the development issuer did not start" >&2; exit 1; }
    export AUTH_ISSUER
  fi
  echo "== external PostgreSQL and Kafka: database $bench_db, events topic $EVENTS_TOPIC, issuer $AUTH_ISSUER"
}

# The service's variables for this stack (to put before the java command with env).
bench_service_env() {
  if [[ $BENCH_STACK == external ]]; then
    echo "DATABASE_URL=$BENCH_JDBC AUTH_ISSUER=$AUTH_ISSUER EVENTS_TOPIC=$EVENTS_TOPIC"
  fi
}

# Embedded: PG from the JDBC URL the started service printed in its log.
bench_pg_from_log() { # $1 = the service's log
  [[ $BENCH_STACK == embedded ]] || return 0
  local jdbc
  jdbc=$(grep -o 'jdbc:postgresql://[^ ]*' "$1" | head -1)
  [[ -n "$jdbc" ]] || { echo "the service printed no JDBC URL" >&2; cat "$1" >&2; exit 1; }
  DATABASE_USER=postgres DATABASE_PASSWORD="" bench_pg_from_jdbc "$jdbc"
}

# The INFRA line of the run's server and broker (the broker: KAFKA_BOOTSTRAP_SERVERS, or $1 when embedded).
bench_infra_line() {
  local bootstrap=${KAFKA_BOOTSTRAP_SERVERS:-${1:-}} user=${DATABASE_USER:-postgres}
  [[ $BENCH_STACK == embedded ]] && user=postgres
  DATABASE_URL=$BENCH_JDBC DATABASE_USER=$user DATABASE_PASSWORD=$PGPASSWORD KAFKA_BOOTSTRAP_SERVERS=$bootstrap \
    "$JAVA_HOME/bin/java" -cp "ops/target/classes:$(cat ops/target/classpath.txt)" \
    io.walletoutbox.embedded.BenchInfrastructure "$BENCH_STACK" 2>/dev/null | grep '^INFRA ' \
    || echo "INFRA stack=$BENCH_STACK postgres=\"?\" settings=\"?\" kafka=\"?\" brokers=?"
}

bench_cleanup() {
  if [[ -n "$bench_issuer" ]]; then
    kill "$bench_issuer" 2>/dev/null
    wait "$bench_issuer" 2>/dev/null || true
    bench_issuer=""
  fi
  if [[ -n "$bench_db" ]]; then
    bench_pg_from_jdbc "$DATABASE_URL"
    psql -qX "${PG[@]}" -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null \
      || echo "could not drop database $bench_db" >&2
    bench_db=""
  fi
}

# The postmaster's pid, for CPU accounting from /proc: embedded, from $1 (the data directory's postmaster.pid);
# external, from the server's data directory when the server runs on this machine and it is readable; else empty
# (the scripts then print "-" for PostgreSQL's CPU).
bench_postmaster() {
  local pidfile=${1:-}
  if [[ $BENCH_STACK == external ]]; then
    local dir
    dir=$(psql -qtAX "${PG[@]}" -c "SHOW data_directory" 2>/dev/null) || return 0
    pidfile=$dir/postmaster.pid
  fi
  local pid
  pid=$(head -1 "$pidfile" 2>/dev/null) || return 0
  [[ -n "$pid" && -r /proc/$pid/stat ]] && echo "$pid"
  return 0
}

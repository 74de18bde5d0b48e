#!/usr/bin/env bash
# A throwaway "external" stack to try the bench scripts against infrastructure they did not start (issue 25): a
# stock PostgreSQL cluster from the machine's own binaries (initdb defaults, plus wal_level=logical for the CDC
# relay) and a separately started Kafka broker (KRaft, broker and controller in one process, a stock configuration
# but for replication factors of 1), both on 127.0.0.1, each in its own process outside any benchmark's JVM.
#
# Usage: ops/bench/external-stack.sh start|stop|env|status
#   start   initdb + pg_ctl start, format + start the broker; prints the variables to export (as env does)
#   stop    stops both and removes the directory
#   env     prints `export DATABASE_URL=… DATABASE_USER=… DATABASE_PASSWORD=… KAFKA_BOOTSTRAP_SERVERS=…`:
#           eval "$(ops/bench/external-stack.sh env)"; ops/bench/relay-bench.sh -Devents=20000 -Drounds=1
#   status  whether each one answers
# Environment:
#   STACK_DIR=/tmp/wallet-outbox-external-stack   where the data, logs and the env file live
#   PG_BIN=/usr/lib/postgresql/15/bin              PostgreSQL's binaries (Debian: postgresql-15); initdb runs as the
#                                                  postgres user when this script runs as root
#   PG_PORT=55432  KAFKA_PORT=59092  KAFKA_CONTROLLER_PORT=59093
#   PG_SETTINGS="wal_level=logical"               comma-separated name=value, appended to postgresql.conf
#   KAFKA_HEAP=512m
# The broker runs Kafka's own kafka.Kafka from the project's class path (the embedded module's runtime
# dependencies: the kafka_2.13 version the build names, 4.3.1 today), not the embedded module's BrokerMain: it
# lives until `stop`, whoever started it.
set -euo pipefail
cd "$(dirname "$0")/../.."
STACK_DIR=${STACK_DIR:-/tmp/wallet-outbox-external-stack}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-55432}
KAFKA_PORT=${KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-59093}
PG_SETTINGS=${PG_SETTINGS:-wal_level=logical}
KAFKA_HEAP=${KAFKA_HEAP:-512m}

as_postgres() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

print_env() {
  cat "$STACK_DIR/env"
}

start() {
  [[ -e "$STACK_DIR" ]] && { echo "$STACK_DIR exists: stop the stack first (ops/bench/external-stack.sh stop)" >&2; exit 1; }
  [[ -x "$PG_BIN/initdb" ]] || { echo "no PostgreSQL binaries in $PG_BIN (set PG_BIN)" >&2; exit 1; }
  . bin/jdk.sh
  mkdir -p "$STACK_DIR"
  chmod 755 "$STACK_DIR"
  # PostgreSQL: a stock cluster, trust authentication on 127.0.0.1 only, the settings asked for.
  mkdir -p "$STACK_DIR/pg"
  [[ $(id -u) == 0 ]] && chown postgres: "$STACK_DIR/pg"
  as_postgres "$PG_BIN/initdb" -D "$STACK_DIR/pg/data" -U postgres --auth=trust >"$STACK_DIR/initdb.log" 2>&1 \
    || { cat "$STACK_DIR/initdb.log" >&2; exit 1; }
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$STACK_DIR/pg'"
    tr ',' '\n' <<<"$PG_SETTINGS" | sed -E 's/^([^=]+)=(.*)$/\1 = '"'"'\2'"'"'/'
  } | as_postgres tee -a "$STACK_DIR/pg/data/postgresql.conf" >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -l "$STACK_DIR/pg/postgres.log" -w start >/dev/null
  # Kafka: the class path of the embedded module (which holds the broker for the embedded mode).
  ./mvnw --batch-mode --no-transfer-progress --quiet -o -pl embedded -Dspotless.check.skip=true \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=runtime -Dmdep.outputFile="$STACK_DIR/kafka.classpath"
  mkdir -p "$STACK_DIR/kafka"
  cat >"$STACK_DIR/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$STACK_DIR/kafka/log
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
  cat >"$STACK_DIR/kafka/logback.xml" <<'XML'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="out"/></root>
  <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
</configuration>
XML
  local java=("$JAVA_HOME/bin/java" -cp "$(cat "$STACK_DIR/kafka.classpath")"
    "-Dlogback.configurationFile=$STACK_DIR/kafka/logback.xml")
  local cluster
  cluster=$("${java[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  "${java[@]}" kafka.tools.StorageTool format -t "$cluster" -c "$STACK_DIR/kafka/server.properties" \
    >"$STACK_DIR/kafka/format.log" 2>&1 || { cat "$STACK_DIR/kafka/format.log" >&2; exit 1; }
  nohup "${java[@]}" "-Xmx$KAFKA_HEAP" "-Xms$KAFKA_HEAP" kafka.Kafka "$STACK_DIR/kafka/server.properties" \
    >"$STACK_DIR/kafka/broker.log" 2>&1 &
  echo $! >"$STACK_DIR/kafka/pid"
  for _ in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null && break
    kill -0 "$(cat "$STACK_DIR/kafka/pid")" 2>/dev/null || { cat "$STACK_DIR/kafka/broker.log" >&2; exit 1; }
    sleep 1
  done
  cat >"$STACK_DIR/env" <<ENV
export DATABASE_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/postgres
export DATABASE_USER=postgres
export DATABASE_PASSWORD=
export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
ENV
  echo "# PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_SETTINGS)," \
    "Kafka broker $(basename "$(tr ':' '\n' <"$STACK_DIR/kafka.classpath" | grep -m1 '/kafka_2.13/')" .jar) on 127.0.0.1:$KAFKA_PORT"
  print_env
}

stop() {
  [[ -d "$STACK_DIR" ]] || { echo "no stack in $STACK_DIR"; return 0; }
  if [[ -f "$STACK_DIR/kafka/pid" ]]; then
    local pid
    pid=$(cat "$STACK_DIR/kafka/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  [[ -f "$STACK_DIR/pg/data/postmaster.pid" ]] && as_postgres "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -m fast -w stop >/dev/null
  rm -rf "$STACK_DIR"
  echo "stopped; removed $STACK_DIR"
}

status() {
  as_postgres "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" || true
  if (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; then echo "Kafka: 127.0.0.1:$KAFKA_PORT accepting"; else echo "Kafka: no broker on $KAFKA_PORT"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) status ;;
  *) echo "usage: ops/bench/external-stack.sh start|stop|env|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Relay benchmark (issues 4, 14 and 25): drains a pre-filled outbox of 100,000 events of ~300 bytes with the polling
# relay and measures, in the same run, on the same server and broker, what it is compared with: the database's floor
# (pgbench of the claim-and-delete statement of ops/bench/relay-claim-delete.sql on the same outbox table filled with
# the same rows, as many clients as relay workers), Kafka's own ProducerPerformance (same record size and producer
# settings), and their serial floor 1/(1/DB + 1/PP), what a relay that claims and then publishes reaches; for 1,000
# keys and for 10 hot keys. Goal (issue 25): the relay drains at >= 0.7x the serial floor under BLOCK, 1,000 keys.
#
# Infrastructure: the embedded PostgreSQL and broker, or, when DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS are set
# (with DATABASE_USER, DATABASE_PASSWORD and the service's KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_* /
# KAFKA_CLIENT_PROPERTIES_FILE), that server and cluster, and nothing embedded starts. Each key count gets a
# database of its own (CREATE DATABASE: the user needs CREATEDB; dropped at the end) and topics with unique names.
# Needs pgbench (Debian: postgresql-client) able to reach the server.
#
# Options, as -D system properties after the script name (e.g. ops/bench/relay-bench.sh -Dkeys=1000 -Drounds=1):
#   -Devents=100000    events drained per run (by the relay, the stub relay and pgbench alike)
#   -Dsize=300         payload bytes (also ProducerPerformance's --record-size)
#   -Dkeys=1000,10     key counts, comma-separated, each measured in turn
#   -Dpolicy=BLOCK     parking policy of the relay's topic (BLOCK, as the service's events topic; or SKIP)
#   -Dworkers=8        relay workers (and pgbench clients);  -Dbatch=500  relay batch size (and pgbench's claim)
#   -Dpartitions=8     topic partitions
#   -Drounds=3         the measurements alternate this many times; medians reported
# Output: a human-readable summary, then the INFRA line and one machine-readable line per figure:
#   INFRA stack=<embedded|external> postgres="<version()>" settings="<non-default settings>" kafka="<version>" brokers=<n>
#   RESULT relay_drain_<policy>_keys<N> <events/s> events/s reference=<serial floor> ratio=<r> goal=ratio>=0.7
#   RESULT relay_serial_floor_keys<N>, relay_db_floor_keys<N> (rows/s), relay_producer_performance_keys<N> (records/s)
#   RESULT relay_drain_stub_<policy>_keys<N> <events/s> events/s reference=<database floor> ... (the relay with a
#   stub producer: its database share, beside the database's floor)
#
# Environment: JFR=<file>  records a JFR profile (settings=profile) of the JVM running the relay (the benchmark's own
#   JVM) into <file>; read it with the JDK's jfr tool, e.g. `jfr view hot-methods <file>`,
#   `jfr view contention-by-site <file>`, `jfr print --events jdk.SocketRead <file>`.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
command -v pgbench >/dev/null || { echo "pgbench is needed (Debian: apt-get install postgresql-client)" >&2; exit 1; }
# Compile main and test classes of the relay and what it needs (the reactor, no install), and write the test
# class path of the relay module.
./mvnw --batch-mode --no-transfer-progress --quiet -pl relay -am -DskipTests -Dspotless.check.skip=true \
  test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="relay/target/test-classes:relay/target/classes:outbox/target/classes:embedded/target/classes:$(cat relay/target/bench.classpath)"
jfr=()
if [[ -n "${JFR:-}" ]]; then
  jfr=("-XX:StartFlightRecording=filename=$JFR,settings=profile,dumponexit=true")
fi
exec "$JAVA_HOME/bin/java" -Xmx1g "${jfr[@]}" -Dpgbench.script=ops/bench/relay-claim-delete.sql "$@" -cp "$cp" \
  io.walletoutbox.relay.bench.RelayBenchmark

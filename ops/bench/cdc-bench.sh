#!/usr/bin/env bash
# CDC benchmark (issue 6): the polling relay and the CDC relay in the same run, against the same embedded PostgreSQL
# and broker: events/s draining 100,000 events of ~300 bytes, commit->Kafka latency p50/p99 at a fixed 1,000
# events/s, and the WAL and table footprint of each way of writing the outbox.
# Tunables as -D system properties after the script name, e.g.: ops/bench/cdc-bench.sh -Devents=50000 -Dseconds=30
# (events, size, keys, rate, seconds, policy=SKIP|BLOCK; see CdcBenchmark).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
# Compile main and test classes of relay-cdc and what it needs (the reactor, no install), and write the test class
# path of the relay-cdc module.
./mvnw --batch-mode --no-transfer-progress --quiet -pl relay-cdc -am -DskipTests -Dspotless.check.skip=true \
  test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="relay-cdc/target/test-classes:relay-cdc/target/classes:relay/target/test-classes:relay/target/classes"
cp="$cp:outbox/target/classes:embedded/target/classes:$(cat relay-cdc/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" -Xmx1g "$@" -cp "$cp" io.walletoutbox.relay.cdc.bench.CdcBenchmark

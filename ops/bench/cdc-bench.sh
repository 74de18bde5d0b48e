#!/usr/bin/env bash
# CDC benchmark (issues 6 and 14, item 1): the polling relay and the CDC relay in the same run, against the same
# embedded PostgreSQL and broker: events/s draining 100,000 events of ~300 bytes, commit->Kafka ack latency p50/p99
# at a fixed 1,000 events/s (polling woken by the writer in the same JVM; polling woken only by its sequence probe,
# as a relay in another process; CDC), beside Kafka's own ProducerPerformance at the same rate and record size on the
# same broker; the idle cost of the sequence probe; the WAL and table footprint of each way of writing the outbox.
# Each of these runs for 1,000 keys and for 10 hot keys.
#
# Options, as -D system properties after the script name (e.g. ops/bench/cdc-bench.sh -Dseconds=30 -Dkeys=1000):
#   -Devents=100000    events per drain
#   -Dsize=300         payload bytes
#   -Dkeys=1000,10     key counts, comma-separated, each measured in turn
#   -Drate=1000        events/s offered in the latency runs (and ProducerPerformance's --throughput)
#   -Dseconds=20       length of each latency run
#   -Dwarmup=5         seconds of the same offered load before each latency run, not counted
#   -Dworkers=<n>      polling relay workers in the latency runs (default: the service's, RelayConfig.builder's)
#   -Dpolicy=BLOCK     parking policy of every benchmark topic (BLOCK, as the service's events topic; or SKIP)
#   -Dphases=idle,drain,woken,probe,cdc  the parts to run (default all): idle = the probe's idle cost, drain = the
#                      polling drain, woken / probe = polling latency woken by the writer / by the probe only,
#                      cdc = the CDC relay's drain and latency (drain_polling_* needs drain and cdc); also, not in
#                      the default: tracing = the woken latency with tracing off and on in alternating pairs in this
#                      one JVM (needs TRACING=<ratio>; -Dpairs=4), printing
#                      RESULT tracing_latency_p50|p99_polling_woken_keys<N> <on ms> ms reference=<off ms> ratio=<r>
# Output: a human-readable summary, then one machine-readable line per figure:
#   RESULT latency_p50_polling_woken_keys<N> <ms> ms reference=<ProducerPerformance p50 ms> ratio=<r> goal=<text>
#   (also latency_p99_polling_woken, latency_p50/p99_polling_probe, latency_p50/p99_cdc; reference: ProducerPerformance)
#   RESULT drain_polling_<policy>_keys<N> <events/s> events/s reference=<CDC relay events/s> ratio=<r> goal=<text>
#   RESULT probe_idle_cpu <ms CPU/s> ms_cpu/s reference=<same without the probe> ratio=<r> goal=none
#
# Environment: TRACING=<ratio> (0.1, 1) runs the relays with tracing on (BenchTracing: parent-based sampling of that
#   share at the writer's create span, every sampled span exported over OTLP/HTTP to a receiver started here,
#   ops/bench/tracing.sh); off (the default): no SDK. The cost of tracing is the ratio against a TRACING=off run.
#   JFR=<file>  records a JFR profile (settings=profile) of the JVM running the relay (the benchmark's own
#   JVM) into <file>; read it with the JDK's jfr tool, e.g. `jfr view hot-methods <file>`,
#   `jfr view contention-by-site <file>`, `jfr print --events jdk.SocketRead <file>`.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
# Compile main and test classes of relay-cdc and what it needs (the reactor, no install), and write the test class
# path of the relay-cdc module.
./mvnw --batch-mode --no-transfer-progress --quiet -pl relay-cdc,ops -am -DskipTests -Dspotless.check.skip=true \
  test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="relay-cdc/target/test-classes:relay-cdc/target/classes:relay/target/test-classes:relay/target/classes"
cp="$cp:outbox/target/classes:embedded/target/classes:$(cat relay-cdc/target/bench.classpath)"
jfr=()
if [[ -n "${JFR:-}" ]]; then
  jfr=("-XX:StartFlightRecording=filename=$JFR,settings=profile,dumponexit=true")
fi
. ops/bench/tracing.sh
trap tracing_stop EXIT
"$JAVA_HOME/bin/java" -Xmx1g "${jfr[@]}" "${BENCH_TRACING_OPTS[@]}" "$@" -cp "$cp" io.walletoutbox.relay.cdc.bench.CdcBenchmark
tracing_report

#!/usr/bin/env bash
# Roles at scale (issue 15, item 4): the fat jar as separate processes by role on the three-node Kafka cluster with a
# PostgreSQL primary and its synchronous standby (multi-host JDBC URL, targetServerType=primary) and the biller
# simulator at a small latency, all on 127.0.0.1, started by the chaos suite's machinery
# (io.walletoutbox.ops.chaos.ScaleRun). Two runs, each on a fresh database and topic:
#   one     1 api + 1 relay + 1 consumer process (the reference)
#   scaled  2 api + 2 relay + 3 consumer processes
# Load: closed loop, CONCURRENCY clients, each paying 1 minor unit from a random one of WALLETS wallets (each its own
# user, with that user's token), round-robin over the api processes; WARMUP seconds, then DURATION seconds measured.
#
# Usage: ops/bench/scale-bench.sh
# Options (environment variables):
#   DURATION=60         seconds measured per topology
#   WARMUP=20           seconds of load before the window (JIT, connection pools, consumer group settled)
#   CONCURRENCY=32      closed-loop HTTP clients
#   WALLETS=1000        wallets paid from
#   SIM_LATENCY_MS=5    the biller simulator's latency per charge
#   TOPOLOGIES=one,scaled   which runs, in this order (the ratios need "one")
#   SKIP_BUILD=1        use the jar and classes already built (app/target/wallet-outbox.jar, ops/target)
#   WORK=DIR            keep logs and data there (default: a temporary directory, removed on success)
# Output: a summary per topology, then one line per figure (informational, no goals):
#   RESULT scale.<topology>.<figure> <value> <unit> reference=<the "one" run's value or -> ratio=<v or -> goal=-
# Figures: accepted (202 answers received in the window, payments/s), accepted_db (payments created in the window),
# completed (payments whose completed_at is in the window, payments/s), accept_latency_p50/p99 (the API's answer,
# ms), commit_to_ack_p50/p99 (the relays' relay_publish_latency_seconds histogram over the window: an event's commit
# to Kafka's acknowledgement, ms), created_to_completed_p50/p99 (ms), failed_requests, outbox_backlog_at_end,
# cpu.<process> (% of one core over the window, utime+stime from /proc/<pid>/stat: every service process, the
# PostgreSQL primary and standby with their backends, each Kafka node, the simulator, the load generator),
# cpu_role.<role> (summed by role) and cpu_machine_busy (the whole machine from /proc/stat, other work included).
# Exit status: non-zero when a run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bin/mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
work=${WORK:-}
keep=1
if [[ -z "$work" ]]; then
  work=$(mktemp -d -t scale.XXXXXX)
  keep=0
fi
set +e
"$JAVA_HOME/bin/java" -Xmx512m -cp "ops/target/classes:$(cat ops/target/classpath.txt)" \
  io.walletoutbox.ops.chaos.ScaleRun --jar app/target/wallet-outbox.jar --work "$work"
status=$?
set -e
if [[ $status -ne 0 || $keep -eq 1 ]]; then
  echo "scale: logs and data kept in $work (service logs in $work/logs)"
else
  rm -rf "$work"
fi
exit $status

#!/usr/bin/env bash
# Entry point of each Kafka broker of ops/deploy/compose.yaml (apache/kafka image). Writes the broker's
# server.properties from its KAFKA_* variables (the image's own convention: drop KAFKA_, lower case, `___` → `-`,
# `__` → `_`, `_` → `.`), adds the TLS settings whose passwords are compose secrets, formats the log directory
# on first start with the SCRAM-SHA-512 users admin, relay and consumer (`kafka-storage format --add-scram`: the
# credentials go into the cluster metadata before any client connects), then runs the broker.
set -euo pipefail
secrets=/run/secrets
props=/tmp/server.properties
: > "$props"
for name in $(compgen -e); do
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_GC_LOG_OPTS | KAFKA_LOG4J_OPTS | KAFKA_JMX_OPTS \
      | KAFKA_DEBUG | KAFKA_HOME | KAFKA_VERSION) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key="${name#KAFKA_}"
  key="${key,,}"
  key="${key//___/-}"
  key="${key//__/$'\001'}"
  key="${key//_/.}"
  key="${key//$'\001'/_}"
  printf '%s=%s\n' "$key" "${!name}" >> "$props"
done
tls="$(cat "$secrets/kafka_tls_password")"
cat >> "$props" <<PROPS
ssl.keystore.type=PKCS12
ssl.keystore.location=$secrets/kafka_keystore
ssl.keystore.password=$tls
ssl.key.password=$tls
ssl.truststore.type=PKCS12
ssl.truststore.location=$secrets/kafka_truststore
ssl.truststore.password=$tls
PROPS
scram=()
for user in admin relay consumer; do
  scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(cat "$secrets/kafka_${user}_password")]")
done
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$CLUSTER_ID" --config "$props" "${scram[@]}"
exec /opt/kafka/bin/kafka-server-start.sh "$props"

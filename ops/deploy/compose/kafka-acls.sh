#!/usr/bin/env bash
# One-shot of ops/deploy/compose.yaml (apache/kafka image): creates, as the super user admin, the ACLs of
# docs/operations.md ("Kafka topics") and nothing more: the relay principal writes the events topic, the consumer
# principal reads it (in its group) and writes the dead-letter topic; each may describe its topics' configuration for
# the start-up check. The api has no principal. Adding an ACL that exists changes nothing, so reruns are safe.
set -euo pipefail
topic="${EVENTS_TOPIC:-wallet.events}"
group="${CONSUMER_GROUP:-bill-payments}"
acls=(/opt/kafka/bin/kafka-acls.sh --bootstrap-server "$BOOTSTRAP_SERVERS"
  --command-config /run/secrets/kafka_admin_client_properties --add)
"${acls[@]}" --allow-principal User:relay --topic "$topic" \
  --operation Write --operation Describe --operation DescribeConfigs
"${acls[@]}" --allow-principal User:consumer --topic "$topic" \
  --operation Read --operation Describe --operation DescribeConfigs
"${acls[@]}" --allow-principal User:consumer --group "$group" --operation Read
"${acls[@]}" --allow-principal User:consumer --topic "$topic.dlq" \
  --operation Write --operation Describe --operation DescribeConfigs
/opt/kafka/bin/kafka-acls.sh --bootstrap-server "$BOOTSTRAP_SERVERS" \
  --command-config /run/secrets/kafka_admin_client_properties --list

#!/usr/bin/env bash
# Writes random development secrets for ops/deploy/compose.yaml into ops/deploy/compose/secrets/ (git ignores
# them), keeping any that exist. Mode 0644: the containers run as other users than yours and read them through
# compose `secrets:` (bind mounts); keep the checkout private.
#
# Kafka (SASL_SSL with SCRAM-SHA-512, see docs/operations.md, "Kafka topics"): a password per principal (admin,
# relay, consumer), each principal's JAAS line for KAFKA_SASL_JAAS_CONFIG_FILE, the brokers' self-signed TLS
# certificate (keytool from JDK 25: JAVA_HOME or the PATH) in a PKCS12 keystore and truststore with their password,
# and the admin's client properties for the Kafka command-line tools (health checks, kafka-acls).
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/secrets"
mkdir -p "$dir"
random() {
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}
write() { # name, then the content on stdin; keeps an existing file
  if [ ! -s "$dir/$1" ]; then
    cat > "$dir/$1"
    chmod 0644 "$dir/$1"
    echo "wrote $dir/$1"
  else
    cat > /dev/null
  fi
}
for name in db_password db_app_password provider_api_key grafana_admin_password \
  kafka_admin_password kafka_relay_password kafka_consumer_password kafka_tls_password; do
  random | write "$name"
done
for user in admin relay consumer; do
  printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";\n' \
    "$user" "$(cat "$dir/kafka_${user}_password")" | write "kafka_${user}_jaas"
done

# One certificate for the three brokers (names kafka-1..3, and localhost for their own health checks); its
# principal User:CN=kafka-broker is the brokers' super user on the mutual-TLS inter-broker and controller listeners.
if [ ! -s "$dir/kafka_keystore" ] || [ ! -s "$dir/kafka_truststore" ]; then
  keytool="keytool"
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/keytool" ]; then
    keytool="$JAVA_HOME/bin/keytool"
  fi
  tls="$(cat "$dir/kafka_tls_password")"
  rm -f "$dir/kafka_keystore" "$dir/kafka_truststore" "$dir/kafka_broker.crt"
  "$keytool" -genkeypair -alias broker -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
    -dname "CN=kafka-broker" -ext "SAN=dns:kafka-1,dns:kafka-2,dns:kafka-3,dns:localhost" -validity 825 \
    -storetype PKCS12 -keystore "$dir/kafka_keystore" -storepass "$tls" -keypass "$tls"
  "$keytool" -exportcert -rfc -alias broker -keystore "$dir/kafka_keystore" -storepass "$tls" \
    -file "$dir/kafka_broker.crt"
  "$keytool" -importcert -noprompt -alias broker -file "$dir/kafka_broker.crt" -storetype PKCS12 \
    -keystore "$dir/kafka_truststore" -storepass "$tls"
  chmod 0644 "$dir/kafka_keystore" "$dir/kafka_truststore" "$dir/kafka_broker.crt"
  echo "wrote $dir/kafka_keystore and $dir/kafka_truststore"
fi
{
  echo "security.protocol=SASL_SSL"
  echo "sasl.mechanism=SCRAM-SHA-512"
  echo "sasl.jaas.config=$(cat "$dir/kafka_admin_jaas")"
  echo "ssl.truststore.type=PKCS12"
  echo "ssl.truststore.location=/run/secrets/kafka_truststore"
  echo "ssl.truststore.password=$(cat "$dir/kafka_tls_password")"
} | write kafka_admin_client_properties

/**
 * Real infrastructure without Docker: an embedded PostgreSQL (binaries from Maven Central) and Apache Kafka's
 * own broker in KRaft mode, run as a child process (one broker, or a cluster of three: {@link
 * io.walletoutbox.embedded.EmbeddedKafkaCluster}), plus a development OAuth2/OIDC issuer ({@link
 * io.walletoutbox.embedded.DevIssuer}). Used by the embedded runtime of the app and by the integration tests, which
 * share one PostgreSQL and one broker per JVM through {@link io.walletoutbox.embedded.SharedInfrastructure} and
 * open their connection pools through {@link io.walletoutbox.embedded.TestPools}.
 */
module io.walletoutbox.embedded {
    requires transitive java.sql;
    requires embedded.postgres;
    requires org.postgresql.jdbc;
    requires kafka.clients;
    requires org.slf4j;
    requires static com.zaxxer.hikari; // only TestPools, only tests: they bring HikariCP themselves
    requires transitive com.nimbusds.jose.jwt; // DevIssuer.mint(JWTClaimsSet)
    requires jdk.httpserver;

    exports io.walletoutbox.embedded;
}

package io.walletoutbox.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchInfrastructureTest {
    @Test
    void newDatabaseUrlKeepsHostsAndParameters() {
        assertEquals(
                "jdbc:postgresql://h1:5432,h2:5432/bench_x?targetServerType=primary&ssl=true",
                BenchInfrastructure.withDatabase(
                        "jdbc:postgresql://h1:5432,h2:5432/wallet?targetServerType=primary&ssl=true", "bench_x"));
        assertEquals(
                "jdbc:postgresql://localhost/bench_x",
                BenchInfrastructure.withDatabase("jdbc:postgresql://localhost/postgres", "bench_x"));
    }

    @Test
    void oneOfDatabaseAndKafkaWithoutTheOtherIsRefusedBeforeAnythingStarts() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> BenchInfrastructure.from(Map.of("DATABASE_URL", "jdbc:postgresql://localhost:5432/postgres")));
        assertTrue(e.getMessage().contains("KAFKA_BOOTSTRAP_SERVERS"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> BenchInfrastructure.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")));
    }

    @Test
    void kafkaSettingsAreTheServicesSecurityVariables() {
        var settings = BenchInfrastructure.kafkaSettings(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/truststore.p12"));
        assertEquals(
                Map.of(
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", "SCRAM-SHA-512",
                        "ssl.truststore.location", "/etc/kafka/truststore.p12"),
                settings);
        assertEquals(Map.of(), BenchInfrastructure.kafkaSettings(Map.of()));
    }
}

package io.walletoutbox.app;

import io.walletoutbox.embedded.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.UUID;

/**
 * One Kafka broker per test JVM that requires SASL/SCRAM ({@link EmbeddedKafka#startWithScram}), started on first
 * use and stopped when the JVM exits, for the tests of the service's Kafka client security. Its password is
 * distinctive (a random suffix) so a test can look for it in the service's output.
 */
final class ScramKafka {
    /** The SCRAM user of the service. */
    static final String USER = "wallet-service";
    /** The SCRAM password of {@link #USER}: unique per JVM. */
    static final String PASSWORD =
            "ScramPw" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);

    private static EmbeddedKafka broker;

    private ScramKafka() {}

    /** The broker, started on the first call. */
    static synchronized EmbeddedKafka get() {
        if (broker == null) {
            try {
                EmbeddedKafka started =
                        EmbeddedKafka.startWithScram(Files.createTempDirectory("scram-kafka"), USER, PASSWORD);
                Runtime.getRuntime().addShutdownHook(new Thread(started::close, "scram-kafka-stop"));
                broker = started;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return broker;
    }
}

package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.ConfigException;
import io.walletoutbox.app.internal.config.Setting;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether this jar has the embedded infrastructure (embedded PostgreSQL, the Kafka broker, the development issuer:
 * the {@code embedded} module), and what a configuration would need of it. {@code wallet-outbox.jar} has it;
 * {@code wallet-outbox-production.jar} (the container image's) leaves the module and the broker's and PostgreSQL's
 * binaries out. This class names no embedded type, and neither does any other class of the app but {@link
 * EmbeddedServers}, which is loaded only when embedded mode is chosen: so the production jar runs every path that
 * needs none of them, and refuses the others in one line before it starts anything.
 */
public final class EmbeddedRuntime {
    /** A class of the embedded module; its absence means the module is not in this jar. */
    private static final String PROBE = "io.walletoutbox.embedded.EmbeddedPostgres";

    private EmbeddedRuntime() {}

    /** True when this jar has the embedded infrastructure (the class path holds the embedded module). */
    public static boolean available() {
        try {
            Class.forName(PROBE, false, EmbeddedRuntime.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The settings whose absence would make {@code config} start something embedded: {@code DATABASE_URL},
     * {@code KAFKA_BOOTSTRAP_SERVERS} (only for an instance whose roles use Kafka) and {@code AUTH_ISSUER}.
     */
    public static List<String> embeddedNeeds(AppConfig config) {
        List<String> unset = new ArrayList<>();
        if (config.databaseUrl().isEmpty()) {
            unset.add(Setting.DATABASE_URL.name());
        }
        if (config.usesKafka() && config.kafkaBootstrapServers().isEmpty()) {
            unset.add(Setting.KAFKA_BOOTSTRAP_SERVERS.name());
        }
        if (config.auth().issuer().isEmpty()) {
            unset.add(Setting.AUTH_ISSUER.name());
        }
        return unset;
    }

    /**
     * Refuses, in one line, a configuration that needs the embedded infrastructure when this jar has none.
     *
     * @throws ConfigException naming the settings to set
     */
    public static void requireFor(AppConfig config) {
        List<String> unset = embeddedNeeds(config);
        if (!unset.isEmpty() && !available()) {
            throw new ConfigException("this jar has no embedded infrastructure (PostgreSQL, Kafka broker, development"
                    + " issuer): set " + String.join(", ", unset) + " (embedded mode runs from wallet-outbox.jar)");
        }
    }

    /**
     * {@code dev-issuer}: runs the development issuer alone, or answers 2 after one line when this jar has none.
     *
     * @return the exit code when the issuer did not run; the issuer itself runs until the process is stopped
     */
    public static int runDevIssuer(String[] args, java.io.PrintStream err) {
        if (!available()) {
            err.println("wallet-outbox: dev-issuer is not in this jar (the production jar has no development issuer):"
                    + " run it from wallet-outbox.jar");
            return 2;
        }
        EmbeddedServers.runDevIssuer(args);
        return 0;
    }
}

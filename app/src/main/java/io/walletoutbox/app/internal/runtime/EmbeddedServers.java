package io.walletoutbox.app.internal.runtime;

import io.walletoutbox.embedded.DataDirectoryLock;
import io.walletoutbox.embedded.DevIssuer;
import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The only class of the app that names the embedded module's types: embedded PostgreSQL, the Kafka broker, the
 * development issuer and the data-directory lock. Its methods take and answer app and JDK types only, so that a
 * class calling them is loaded and verified without the embedded module, which the production jar leaves out
 * ({@link EmbeddedRuntime}); this class itself is loaded on the first call, in embedded mode alone.
 */
final class EmbeddedServers {
    private EmbeddedServers() {}

    /** Locks {@code dataDir} for this process (a second process on it stops with one line). */
    static AutoCloseable lock(Path dataDir) {
        return DataDirectoryLock.acquire(dataDir);
    }

    /** The role embedded PostgreSQL's databases belong to. */
    static String postgresUser() {
        return EmbeddedPostgres.USER;
    }

    /** Starts PostgreSQL in {@code dir}, creates {@code database} if absent and answers its JDBC URL. */
    static String startPostgres(Path dir, String database, Closer closer) {
        EmbeddedPostgres pg = closer.register(EmbeddedPostgres.start(dir, 0));
        pg.createDatabaseIfAbsent(database);
        return pg.jdbcUrl(database);
    }

    /** Starts a single-node broker in {@code dir} and answers its bootstrap servers. */
    static String startKafka(Path dir, Closer closer) {
        return closer.register(EmbeddedKafka.start(dir, 0)).bootstrapServers();
    }

    /**
     * Starts the development issuer with its keys in {@code dir}, on the port it had last time (its URL is the
     * tokens' {@code iss}, so tokens minted before a restart stay valid), or on any free port when that one is
     * taken; answers its URL.
     */
    static String startDevIssuer(Path dir, Closer closer) {
        int previous = 0;
        try {
            Path file = dir.resolve(DevIssuer.ISSUER_URL_FILE);
            if (Files.exists(file)) {
                previous =
                        Math.max(0, URI.create(Files.readString(file).strip()).getPort());
            }
        } catch (IOException | IllegalArgumentException e) {
            previous = 0;
        }
        if (previous > 0) {
            try {
                return closer.register(DevIssuer.start(dir, "127.0.0.1", previous))
                        .issuer();
            } catch (RuntimeException e) {
                // taken by something else now: a new port (tokens minted before no longer validate)
            }
        }
        return closer.register(DevIssuer.start(dir, "127.0.0.1", 0)).issuer();
    }

    /** {@code dev-issuer}: the development issuer alone, until the process is stopped. */
    static void runDevIssuer(String[] args) {
        DevIssuer.run(args);
    }
}

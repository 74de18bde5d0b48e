package io.walletoutbox.examples.orders;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A real PostgreSQL for the tests, started once per JVM (and stopped with it): each {@link #create()} is a fresh
 * database on it, migrated by {@link ShopDatabase#migrate}, so test classes do not see each other's events.
 */
final class ShopTestDatabase {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private ShopTestDatabase() {}

    /** A new, migrated database; its connections work in the schema {@code shop}. */
    static DataSource create() {
        String name = "shop_test_" + DATABASES.incrementAndGet();
        EmbeddedPostgres pg = server();
        try (var c = pg.getPostgresDatabase().getConnection();
                var create = c.createStatement()) {
            create.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("creating database " + name + " failed", e);
        }
        DataSource dataSource = ShopDatabase.dataSource(pg.getJdbcUrl("postgres", name), "postgres", "");
        ShopDatabase.migrate(dataSource, ShopDatabase.OUTBOX);
        return dataSource;
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("starting the embedded PostgreSQL failed", e);
            }
        }
        return server;
    }
}

package io.walletoutbox.app.internal.runtime;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;

/** The instance's connection pool to PostgreSQL: fixed at {@code DATABASE_POOL_SIZE}, measured, failing fast. */
final class DatabasePool {
    private DatabasePool() {}

    /** Opens the pool; a database that does not answer within seconds stops the start. */
    static HikariDataSource dataSource(Infrastructure infra, int poolSize, MeterRegistry registry) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(infra.jdbcUrl());
        hc.setUsername(infra.user());
        hc.setPassword(infra.password());
        hc.setPoolName("wallet-outbox");
        hc.setMaximumPoolSize(poolSize);
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(3_000);
        hc.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StartupException(
                    "cannot connect to PostgreSQL at " + redact(infra.jdbcUrl()) + ": " + Kafka.rootMessage(e), e);
        }
    }

    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)password=[^&]*", "password=***");
    }
}

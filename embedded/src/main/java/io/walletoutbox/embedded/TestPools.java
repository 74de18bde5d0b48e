package io.walletoutbox.embedded;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Objects;

/**
 * The one way tests and benchmarks open a connection pool (HikariCP) on a test database, so that every module's
 * tests configure their pools alike: {@code TestPools.pool(url, 4).open()}, or with a user and a pool name,
 * {@code TestPools.pool(url, 2).user(role, "").name("relay").open()}. Only what is set here differs from HikariCP's
 * defaults. The caller owns the pool: it closes it (try-with-resources, a fixture's close) or lets it live as long
 * as the JVM. HikariCP is an optional dependency of this module: a caller brings it on its own (test) class path.
 */
public final class TestPools {
    private TestPools() {}

    /**
     * A pool of at most {@code size} connections to {@code jdbcUrl}, as {@link EmbeddedPostgres#USER} with an empty
     * password unless {@link Builder#user} says otherwise.
     */
    public static Builder pool(String jdbcUrl, int size) {
        return new Builder(jdbcUrl, size);
    }

    /** The options of one pool; {@link #open()} starts it. */
    public static final class Builder {
        private final String jdbcUrl;
        private final int size;
        private String user = EmbeddedPostgres.USER;
        private String password = "";
        private String name;

        private Builder(String jdbcUrl, int size) {
            this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            if (size < 1) {
                throw new IllegalArgumentException("size must be at least 1, not " + size);
            }
            this.size = size;
        }

        /** Logs in as {@code user} with {@code password}; by default the embedded superuser, empty password. */
        public Builder user(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Names the pool (its threads and log lines); by default HikariCP's {@code HikariPool-n}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Opens the pool; it connects at once, so a database that is not there fails here.
         *
         * @return the pool, which the caller closes
         */
        public HikariDataSource open() {
            var config = new HikariConfig();
            config.setJdbcUrl(jdbcUrl);
            config.setUsername(user);
            config.setPassword(password);
            config.setMaximumPoolSize(size);
            if (name != null) {
                config.setPoolName(name);
            }
            return new HikariDataSource(config);
        }
    }
}

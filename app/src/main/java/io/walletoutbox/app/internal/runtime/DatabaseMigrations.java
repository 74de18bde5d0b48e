package io.walletoutbox.app.internal.runtime;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.walletoutbox.app.internal.audit.AuditLog;
import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.relay.cdc.CdcConfig;
import io.walletoutbox.relay.cdc.CdcSlots;
import io.walletoutbox.wallet.WalletSchema;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every module's migrations, in dependency order (outbox, wallet, provider, app; the app's last step grants each
 * service role's group role its rights: {@code afterMigrate__service_grants.sql}), run as the role that owns the
 * schema. With {@code DATABASE_MIGRATION_USER} that is a role of its own, connected for the migrations only (a
 * short-lived pool, closed before anything else starts), and the service's pool uses {@code DATABASE_USER}, which
 * then holds only the rights of its groups (docs/operations.md, Database roles). Without it, {@code DATABASE_USER}
 * does everything, as before.
 */
public final class DatabaseMigrations {
    private static final Logger log = LoggerFactory.getLogger(DatabaseMigrations.class);

    private DatabaseMigrations() {}

    /** The NOLOGIN group role whose rights a service role needs. */
    static String groupOf(AppConfig.Role role) {
        return "walletoutbox_" + role.name().toLowerCase(Locale.ROOT);
    }

    /**
     * At start: migrates as the migration role when one is configured, else through {@code runtime} (the service's
     * pool); with a migration role, grants the groups of this instance's roles to {@code DATABASE_USER} when it may.
     */
    static void run(AppConfig config, Infrastructure infra, DataSource runtime) {
        if (config.databaseMigrationUser().isEmpty()) {
            migrate(runtime, config, infra.jdbcUrl(), infra.user(), infra.password());
            return;
        }
        try (HikariDataSource owner = connect(config, infra.jdbcUrl())) {
            migrate(owner, config, infra.jdbcUrl(), owner.getUsername(), owner.getPassword());
            grantGroups(Jdbi.create(owner), config.roles(), config.databaseUser());
        }
    }

    /**
     * {@code java -jar wallet-outbox.jar migrate}: the migrations alone, as {@code DATABASE_MIGRATION_USER} (else
     * {@code DATABASE_USER}), then the groups of {@code ROLES} granted to {@code DATABASE_USER} when the migration
     * role may. The command of a Kubernetes Job or init container; the service itself then needs no migration
     * credentials.
     */
    public static void runAlone(AppConfig config, PrintStream out) {
        String url = config.databaseUrl().orElseThrow();
        String user = config.databaseMigrationUser().orElse(config.databaseUser());
        try (HikariDataSource owner = connect(config, url)) {
            migrate(owner, config, url, user, owner.getPassword());
            if (config.databaseMigrationUser().isPresent()) {
                grantGroups(Jdbi.create(owner), config.roles(), config.databaseUser());
            }
        }
        out.println("wallet-outbox: schema migrated as " + user + " at " + AppConfig.redactUrl(url));
        out.flush();
    }

    private static void migrate(DataSource dataSource, AppConfig config, String url, String user, String password) {
        OutboxSchema.migrate(dataSource, OutboxConfig.DEFAULTS);
        WalletSchema.migrate(dataSource);
        ProviderWiring.migrate(dataSource);
        AuditLog.migrate(dataSource);
        if (config.relayMode() == AppConfig.RelayMode.CDC) {
            // The schema owner makes the (table-less) publication, so the runtime role needs no CREATE on the
            // database; the replication slot is the runtime role's (REPLICATION; docs/operations.md).
            CdcSlots.ensurePublication(
                    dataSource,
                    CdcConfig.builder("migrate", url, user, password == null ? "" : password)
                            .build());
        }
    }

    /** A small pool of the migration role, for the migrations alone. */
    private static HikariDataSource connect(AppConfig config, String jdbcUrl) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setUsername(config.databaseMigrationUser().orElse(config.databaseUser()));
        hc.setPassword(
                config.databaseMigrationUser().isPresent()
                        ? config.databaseMigrationPassword()
                        : config.databasePassword());
        hc.setPoolName("wallet-outbox-migrations");
        hc.setMaximumPoolSize(4); // Flyway holds a connection for its lock and others for the work
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(3_000);
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StartupException(
                    "cannot connect to PostgreSQL at " + AppConfig.redactUrl(jdbcUrl) + " as " + hc.getUsername() + ": "
                            + Kafka.rootMessage(e),
                    e);
        }
    }

    /**
     * Makes {@code runtimeUser} a member of the groups of {@code roles}, when it is another, existing, non-superuser
     * role and the migration role may grant them (CREATEROLE; on PostgreSQL 16+ the ADMIN option, which the role
     * that created a group has). Otherwise the operator grants them (docs/operations.md); a refusal is logged.
     */
    static void grantGroups(Jdbi owner, java.util.Set<AppConfig.Role> roles, String runtimeUser) {
        owner.useHandle(h -> {
            boolean eligible = h.createQuery("""
                            SELECT EXISTS (SELECT 1 FROM pg_roles
                                           WHERE rolname = :user AND NOT rolsuper AND rolname <> current_user)
                            """)
                    .bind("user", runtimeUser)
                    .mapTo(Boolean.class)
                    .one();
            if (!eligible) {
                return;
            }
            for (AppConfig.Role role : List.copyOf(new java.util.TreeSet<>(roles))) {
                String group = groupOf(role);
                var state = h.createQuery("""
                                SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :group) AS present,
                                       EXISTS (SELECT 1 FROM pg_auth_members m
                                               WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = :group)
                                                 AND m.member = (SELECT oid FROM pg_roles WHERE rolname = :user))
                                           AS member,
                                       format('GRANT %I TO %I', :group, :user) AS grant
                                """)
                        .bind("group", group)
                        .bind("user", runtimeUser)
                        .mapToMap()
                        .one();
                if (!(Boolean) state.get("present") || (Boolean) state.get("member")) {
                    continue;
                }
                try {
                    h.execute((String) state.get("grant"));
                    log.info("database role {} is now a member of {}", runtimeUser, group);
                } catch (RuntimeException e) {
                    log.warn(
                            "the migration role may not grant {} to {} ({}): grant it as an administrator"
                                    + " (docs/operations.md, Database roles)",
                            group,
                            runtimeUser,
                            Kafka.rootMessage(e));
                }
            }
        });
    }
}

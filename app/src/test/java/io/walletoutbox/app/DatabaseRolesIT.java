package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.runtime.DatabaseMigrations;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two database roles (invariant I10): a migration role, neither superuser, owns the schema and runs the migrations
 * ({@code migrate}, or at start with {@code DATABASE_MIGRATION_USER}); runtime login roles, members of the group
 * roles the migrations grant, run the service. The runtime role can neither edit the ledger or the audit log nor
 * disable a trigger, purges audit records only past the server-side minimum, and each service role works with only
 * its own group's rights.
 */
class DatabaseRolesIT {
    private static final String PASSWORD = "secret-pw";
    private static final String OWNER = "dbroles_owner";
    private static final String APP = "dbroles_app";
    private static String jdbcUrl;

    @BeforeAll
    static void createRolesAndMigrate() throws SQLException {
        jdbcUrl = SharedInfrastructure.get().newDatabase("dbroles");
        String database = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
        try (Connection c = superuser()) {
            var s = c.createStatement();
            s.execute("CREATE ROLE " + OWNER + " LOGIN CREATEROLE PASSWORD '" + PASSWORD + "'");
            for (String login : List.of(APP, APP + "_api", APP + "_relay", APP + "_consumer")) {
                s.execute("CREATE ROLE " + login + " LOGIN PASSWORD '" + PASSWORD + "'");
            }
            // The owner of the database owns its schema public (pg_database_owner) and so may create in it.
            s.execute("ALTER DATABASE " + database + " OWNER TO " + OWNER);
            // Group roles are cluster-wide: other tests' migrations (as a superuser) may have made them already.
            // Then the migration role needs the ADMIN option to grant them, which it has on groups it made itself.
            for (AppConfig.Role role : AppConfig.Role.values()) {
                String group = "walletoutbox_" + role.name().toLowerCase(java.util.Locale.ROOT);
                s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + group + "') THEN"
                        + " CREATE ROLE " + group + " NOLOGIN; END IF; END $$");
                s.execute("GRANT " + group + " TO " + OWNER + " WITH ADMIN OPTION");
            }
        }
        Map<String, String> env = Map.of(
                "DATABASE_URL", jdbcUrl,
                "DATABASE_USER", APP,
                "DATABASE_MIGRATION_USER", OWNER,
                "DATABASE_MIGRATION_PASSWORD", PASSWORD);
        DatabaseMigrations.runAlone(
                AppConfig.loadForMigration(env, new String[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void migrateMakesTheOwnerOwnEverythingAndTheRuntimeRoleAMemberOfEveryGroup() throws SQLException {
        try (Connection c = superuser()) {
            assertEquals(0, count(c, "SELECT count(*) FROM pg_class WHERE relowner = '" + APP + "'::regrole"));
            assertEquals(
                    0,
                    count(
                            c,
                            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                    + " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S')"
                                    + " AND c.relowner <> '" + OWNER + "'::regrole"));
            assertEquals(
                    3,
                    count(
                            c,
                            "SELECT count(*) FROM pg_roles g WHERE g.rolname LIKE 'walletoutbox\\_%'"
                                    + " AND pg_has_role('" + APP + "', g.oid, 'MEMBER')"));
            assertEquals(
                    0,
                    count(
                            c,
                            "SELECT count(*) FROM pg_roles WHERE rolname IN ('" + OWNER + "', '" + APP + "')"
                                    + " AND (rolsuper OR rolbypassrls)"));
        }
    }

    @Test
    void theRuntimeRoleRunsEveryRoleAndCannotEditTransfersOrTheAuditLog() throws Exception {
        long parked;
        try (ServiceHarness service = new ServiceHarness(
                "dbroles-all",
                Map.of(
                        "DATABASE_URL", jdbcUrl,
                        "DATABASE_USER", APP,
                        "DATABASE_PASSWORD", PASSWORD,
                        // migrates at start as the owner (nothing pending: the grants are applied again)
                        "DATABASE_MIGRATION_USER", OWNER,
                        "DATABASE_MIGRATION_PASSWORD", PASSWORD))) {
            assertEquals("SUCCEEDED", payAndSettle(service, service));
            parked = park(service.topic);
            var discarded = service.request(
                    "DELETE",
                    "/admin/outbox/parked/" + parked,
                    "Bearer " + TestTokens.admin(),
                    "{\"reason\":\"test of the runtime role\"}",
                    null);
            assertEquals(204, discarded.statusCode(), discarded.body());
        }
        try (Connection su = superuser()) {
            su.createStatement()
                    .execute("INSERT INTO admin_audit (at, actor, action, target) VALUES"
                            + " (now() - interval '40 days', 'old-op', 'outbox.parked.retry', 'parked:1'),"
                            + " (now() - interval '20 days', 'recent-op', 'outbox.parked.retry', 'parked:2')");
        }
        try (Connection app = login(APP)) {
            assertRefused(app, "DELETE FROM admin_audit", "permission denied");
            assertRefused(app, "UPDATE transfer SET amount = amount", "permission denied");
            assertRefused(app, "DELETE FROM transfer", "permission denied");
            assertRefused(app, "TRUNCATE admin_audit", "permission denied");
            assertRefused(app, "ALTER TABLE admin_audit DISABLE TRIGGER ALL", "must be owner");
            assertRefused(app, "ALTER TABLE transfer DISABLE TRIGGER ALL", "must be owner");
            assertRefused(app, "CREATE TABLE sneaky (id int)", "permission denied");
            // the old hole: naming a cut-off for the session let a DELETE through the trigger
            app.createStatement().execute("SET walletoutbox.audit_purge_before = '2999-01-01'");
            assertRefused(app, "DELETE FROM admin_audit", "permission denied");
            assertRefused(
                    app,
                    "SELECT admin_audit_purge(now() - interval '10 days', 1000)",
                    "keeps records for at least 30 days");
            assertEquals(1, count(app, "SELECT admin_audit_purge(now() - interval '30 days 1 minute', 1000)"));
            assertEquals(1, count(app, "SELECT count(*) FROM admin_audit WHERE actor = 'recent-op'"));
            assertEquals(
                    1,
                    count(app, "SELECT count(*) FROM admin_audit WHERE target = 'parked:" + parked + "'"),
                    "the discard was audited by the runtime role");
        }
    }

    @Test
    void eachServiceRoleRunsWithOnlyItsGroupAndTheRelayMaintainsTheOutbox() throws Exception {
        try (Connection su = superuser()) {
            for (String role : List.of("api", "relay", "consumer")) {
                su.createStatement().execute("GRANT walletoutbox_" + role + " TO " + APP + "_" + role);
            }
        }
        String topic = SharedInfrastructure.get().newTopic("dbroles-split.events", 4);
        var sim = io.walletoutbox.provider.BillerSimulator.start(
                io.walletoutbox.provider.SimulatorConfig.builder().port(0).build());
        try (sim;
                // no migration user: each instance runs the migrations as its runtime role and finds none pending
                ServiceHarness api = instance("api", topic, sim.baseUrl());
                ServiceHarness relay = instance("relay", topic, sim.baseUrl());
                ServiceHarness consumer = instance("consumer", topic, sim.baseUrl())) {
            assertEquals("SUCCEEDED", payAndSettle(api, api));
            for (ServiceHarness instance : List.of(api, relay, consumer)) {
                var ready = instance.get("/health/ready");
                assertEquals(200, ready.statusCode(), ready.body());
            }
        }
        try (Connection relay = login(APP + "_relay");
                Connection api = login(APP + "_api")) {
            boolean maintainPrivilege = count(relay, "SELECT current_setting('server_version_num')::int") >= 170000;
            long before = count(relay, "SELECT pg_stat_get_vacuum_count('outbox_event'::regclass)");
            var vacuum = relay.createStatement();
            vacuum.execute("VACUUM (SKIP_LOCKED, TRUNCATE false) outbox_event");
            long after = count(relay, "SELECT pg_stat_get_vacuum_count('outbox_event'::regclass)");
            if (maintainPrivilege) {
                // PostgreSQL 17+: MAINTAIN lets the relay vacuum (and reindex) the table it does not own
                assertNull(vacuum.getWarnings(), "vacuumed without a warning");
                assertEquals(before + 1, after, "the relay's role vacuumed outbox_event");
            } else {
                // 15 and 16: only the owner vacuums; PostgreSQL skips with a warning, the relay leaves it to autovacuum
                assertTrue(
                        vacuum.getWarnings().getMessage().contains("skipping"),
                        vacuum.getWarnings().getMessage());
                assertEquals(before, after);
            }
            // the empty outbox's indexes, through the owner's function (what a relay on 15 or 16 does; it answers
            // false while an event is still in the outbox)
            relay.createStatement().execute("SELECT outbox_event_reindex_if_empty(50)");
            assertRefused(api, "SELECT outbox_event_reindex_if_empty(50)", "permission denied");
            assertRefused(api, "DELETE FROM outbox_event", "permission denied");
            assertRefused(
                    relay,
                    "INSERT INTO transfer (id, kind, reference, debit_account, credit_account, amount,"
                            + " currency) VALUES (gen_random_uuid(), 'TOP_UP', gen_random_uuid(), gen_random_uuid(),"
                            + " gen_random_uuid(), 1, 'USD')",
                    "permission denied");
        }
    }

    private static ServiceHarness instance(String role, String topic, String biller) {
        Map<String, String> env = new HashMap<>(Map.of(
                "DATABASE_URL", jdbcUrl,
                "DATABASE_USER", APP + "_" + role,
                "DATABASE_PASSWORD", PASSWORD,
                "ROLES", role,
                "EVENTS_TOPIC", topic,
                "PROVIDER_BASE_URL", biller));
        return new ServiceHarness("dbroles-" + role, env);
    }

    /** Pays a bill through {@code api} and waits until {@code reader} sees it leave PENDING; answers its status. */
    private static String payAndSettle(ServiceHarness api, ServiceHarness reader) {
        String wallet = api.walletWith(5_000);
        var paid = api.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":2500}",
                UUID.randomUUID().toString());
        assertEquals(202, paid.statusCode(), paid.body());
        String payment = paid.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        ServiceHarness.await(
                Duration.ofSeconds(60),
                "payment " + payment + " settled",
                () -> !reader.status(payment).equals("PENDING"));
        assertEquals(2_500, reader.balance(wallet));
        return reader.status(payment);
    }

    /** A parked event, as a relay leaves one after its attempts ran out (written by the superuser). */
    private static long park(String topic) throws SQLException {
        try (Connection c = superuser();
                var s = c.prepareStatement("""
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        VALUES ((SELECT coalesce(max(id), 0) + 1000 FROM outbox_parked), ?, 1, 'wallet', 'w-1',
                                'Test', ?, '{}', '{}', now(), 5, 'too large') RETURNING id
                        """)) {
            s.setObject(1, UUID.randomUUID());
            s.setString(2, topic);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void assertRefused(Connection c, String sql, String why) {
        SQLException refused =
                assertThrows(SQLException.class, () -> c.createStatement().execute(sql), sql);
        assertTrue(refused.getMessage().contains(why), sql + ": " + refused.getMessage());
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection superuser() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, SharedInfrastructure.get().user(), "");
    }

    private static Connection login(String user) throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, PASSWORD);
    }
}

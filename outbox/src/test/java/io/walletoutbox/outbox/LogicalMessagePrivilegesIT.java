package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

/**
 * Migration V7: only the service's own writer may emit the outbox's logical decoding messages. PostgreSQL lets every
 * login call {@code pg_logical_emit_message}; after the migration (run by a superuser, as the embedded runtime's) a
 * role without a grant cannot, in any overload, nor through {@code outbox_append}, while the migrating user still
 * can. A migrating role that may not change the function's rights leaves them and the migration still succeeds.
 */
class LogicalMessagePrivilegesIT {
    private final SharedInfrastructure infra = SharedInfrastructure.get();

    @Test
    void afterTheMigrationARoleWithoutTheGrantCannotEmitAndTheMigratingUserCan() throws Exception {
        String url = infra.newDatabase("emit_privileges");
        String role = "forger_" + UUID.randomUUID().toString().substring(0, 8);
        Jdbi admin = Jdbi.create(url, infra.user(), "");
        admin.useHandle(h -> h.execute("CREATE ROLE " + role + " LOGIN"));
        try {
            Jdbi forger = Jdbi.create(url, role, "");
            assertEquals(List.of(), emitFailures(forger), "before the migration any login may emit");

            migrate(url, infra.user());

            List<String> overloads = overloads(admin);
            assertEquals(2, overloads.size(), "a text and a bytea overload: " + overloads);
            for (String f : overloads) {
                assertFalse(executable(admin, "public", f), "PUBLIC may execute " + f);
                assertFalse(executable(admin, role, f), role + " may execute " + f);
                assertTrue(grantedExplicitly(admin, infra.user(), f), "the migrating user keeps " + f);
            }
            assertEquals(List.of("42501", "42501"), emitFailures(forger), "both overloads refused");
            var viaFunction = assertThrows(
                    UnableToExecuteStatementException.class,
                    () -> forger.useHandle(h -> h.createQuery("""
                                    SELECT outbox_append('LOGICAL_MESSAGE', :prefix, gen_random_uuid(), 0, 'Wallet',
                                                         'w-1', 'BillPaymentRequested', 'evil.topic', '{}', '{}'::jsonb,
                                                         now())::text
                                    """)
                            .bind("prefix", OutboxMode.MESSAGE_PREFIX)
                            .mapTo(String.class)
                            .one()));
            assertEquals("42501", sqlState(viaFunction), "outbox_append runs with the caller's rights");
            assertEquals(List.of(), emitFailures(admin), "the migrating user still emits");

            // The operator's step for another role whose writers must emit (docs/operations.md).
            String textOverload = overloads.stream()
                    .filter(f -> f.startsWith("pg_logical_emit_message(boolean,text,text"))
                    .findFirst()
                    .orElseThrow();
            admin.useHandle(h -> h.execute("GRANT EXECUTE ON FUNCTION " + textOverload + " TO " + role));
            assertEquals(List.of("42501"), emitFailures(forger), "the text overload granted, the bytea one not");
        } finally {
            admin.useHandle(h -> {
                h.execute("DROP OWNED BY " + role);
                h.execute("DROP ROLE " + role);
            });
        }
    }

    @Test
    void aMigratingRoleThatMayNotChangeTheRightsLeavesThemAndTheMigrationSucceeds() throws Exception {
        String url = infra.newDatabase("emit_privileges_owner");
        String role = "migrator_" + UUID.randomUUID().toString().substring(0, 8);
        String database = url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
        Jdbi admin = Jdbi.create(url, infra.user(), "");
        admin.useHandle(h -> {
            h.execute("CREATE ROLE " + role + " LOGIN");
            h.execute("ALTER DATABASE " + database + " OWNER TO " + role); // and so of its schema public
        });
        try {
            migrate(url, role);
            for (String f : overloads(admin)) {
                assertTrue(executable(admin, "public", f), "PUBLIC keeps " + f);
            }
            assertEquals(
                    Integer.valueOf(1),
                    admin.withHandle(h -> h.createQuery(
                                    "SELECT count(*) FROM outbox_schema_history WHERE version = '7' AND success")
                            .mapTo(Integer.class)
                            .one()));
        } finally {
            admin.useHandle(h -> {
                h.execute("REASSIGN OWNED BY " + role + " TO " + infra.user());
                h.execute("DROP OWNED BY " + role);
                h.execute("DROP ROLE " + role);
            });
        }
    }

    private static void migrate(String url, String user) {
        try (var ds = TestPools.pool(url, 2).user(user, "").open()) {
            OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        }
    }

    /**
     * Calls the (boolean, text, text) and the (boolean, text, bytea) overloads as {@code jdbi}'s user, each in a
     * transaction of its own that rolls back; returns the SQL states of the calls that failed.
     */
    private static List<String> emitFailures(Jdbi jdbi) {
        return List.of("CAST(:content AS text)", "convert_to(:content, 'UTF8')").stream()
                .map(content -> {
                    try {
                        jdbi.useTransaction(h -> {
                            h.createQuery("SELECT pg_logical_emit_message(true, :prefix, " + content + ")::text")
                                    .bind("prefix", OutboxMode.MESSAGE_PREFIX)
                                    .bind("content", "{\"topic\":\"evil.topic\"}")
                                    .mapTo(String.class)
                                    .one();
                            h.rollback();
                        });
                        return null;
                    } catch (UnableToExecuteStatementException e) {
                        return sqlState(e);
                    }
                })
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    /**
     * The overloads of {@code pg_logical_emit_message}: {@code (boolean,text,text)} and {@code (boolean,text,bytea)}
     * up to PostgreSQL 16; from 17 on the same two with a fourth argument, {@code flush boolean DEFAULT false}, in
     * their place (so {@code 'pg_logical_emit_message(boolean,text,text)'} names no function there).
     */
    private static List<String> overloads(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT oid::regprocedure::text FROM pg_proc
                        WHERE proname = 'pg_logical_emit_message' AND pronamespace = 'pg_catalog'::regnamespace
                        ORDER BY oid
                        """).mapTo(String.class).list());
    }

    private static boolean executable(Jdbi jdbi, String role, String function) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT has_function_privilege(:role, CAST(:f AS regprocedure)," + " 'EXECUTE')")
                        .bind("role", role)
                        .bind("f", function)
                        .mapTo(Boolean.class)
                        .one());
    }

    /** Whether {@code function}'s ACL names {@code role} itself (a superuser's rights would not show otherwise). */
    private static boolean grantedExplicitly(Jdbi jdbi, String role, String function) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM pg_proc p, aclexplode(p.proacl) a
                                       WHERE p.oid = CAST(:f AS regprocedure) AND a.privilege_type = 'EXECUTE'
                                         AND a.grantee = CAST(:role AS regrole))
                        """)
                .bind("role", role)
                .bind("f", function)
                .mapTo(Boolean.class)
                .one());
    }

    private static String sqlState(Exception e) {
        return e.getCause() instanceof SQLException sql ? sql.getSQLState() : String.valueOf(e.getCause());
    }
}

package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.internal.EmitRights;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What the CDC relay checks at start: after the outbox's migration (run by a superuser) PUBLIC may not call {@code
 * pg_logical_emit_message}, so the relay has nothing to say; where PUBLIC may (a migration that could not take the
 * right away, or an operator who gave it back), it finds every such overload, and the statements it logs close it.
 */
class EmitRightsIT {
    @Test
    void publicMayEmitIsFoundOnEveryOverloadAndTheStatementsLoggedCloseIt() throws Exception {
        try (var fixture = new RelayFixture("EmitRightsIT", OutboxMode.LOGICAL_MESSAGE)) {
            assertEquals(
                    Optional.empty(),
                    EmitRights.statements(CdcTestSupport.dataSource(fixture)),
                    "the migration took it from PUBLIC");
            List<String> overloads = fixture.jdbi.withHandle(
                    h -> h.createQuery("""
                            SELECT oid::regprocedure::text FROM pg_proc
                            WHERE proname = 'pg_logical_emit_message' AND pronamespace = 'pg_catalog'::regnamespace
                            """).mapTo(String.class).list());
            fixture.jdbi.useHandle(h -> {
                for (String f : overloads) {
                    h.execute("GRANT EXECUTE ON FUNCTION " + f + " TO PUBLIC");
                }
            });

            String statements =
                    EmitRights.statements(CdcTestSupport.dataSource(fixture)).orElseThrow();
            for (String f : overloads) {
                assertTrue(statements.contains("REVOKE EXECUTE ON FUNCTION " + f + " FROM PUBLIC;"), statements);
                assertTrue(
                        statements.contains("GRANT EXECUTE ON FUNCTION " + f + " TO " + fixture.infra.user() + ";"),
                        statements);
            }
            fixture.jdbi.useHandle(h -> {
                try (var s = h.getConnection().createStatement()) {
                    s.execute(statements); // as an operator would paste them from the log
                }
            });
            assertEquals(
                    Optional.empty(),
                    EmitRights.statements(CdcTestSupport.dataSource(fixture)),
                    "closed by the logged statements");
        }
    }
}

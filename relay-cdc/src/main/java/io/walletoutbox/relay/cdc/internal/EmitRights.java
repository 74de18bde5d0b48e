package io.walletoutbox.relay.cdc.internal;

import io.walletoutbox.outbox.internal.sql.NamedSql;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may put a message on the CDC relay's path. PostgreSQL grants EXECUTE on {@code pg_logical_emit_message} to
 * PUBLIC; the outbox's migration {@code V7__logical_message_privileges} takes it back where the migrating role may
 * (a superuser). Where it could not, any login of the database can emit a message with the outbox's prefix, which
 * the relay reads as an event: the relay says so once at every start, with the statements that close it.
 */
public final class EmitRights {
    /** The relay's logger: operators' log settings name the relay, not how its code is split. */
    private static final Logger log = LoggerFactory.getLogger(CdcRelayImpl.class);

    private static final NamedSql OPEN = NamedSql.of("""
            SELECT p.oid::regprocedure::text AS function, quote_ident(current_user) AS user
            FROM pg_proc p
            WHERE p.proname = 'pg_logical_emit_message'
              AND p.pronamespace = 'pg_catalog'::regnamespace
              AND has_function_privilege('public', p.oid, 'EXECUTE')
            ORDER BY p.oid
            """);

    private EmitRights() {}

    /** The overloads of {@code pg_logical_emit_message} PUBLIC may execute, and this session's user, quoted. */
    private record Open(String function, String user) {}

    /**
     * Logs one WARN line when PUBLIC may execute any overload of {@code pg_logical_emit_message} in this database,
     * with the statements that close it; nothing otherwise. A failed check is logged at debug level and does not
     * stop the relay.
     */
    static void warnIfPublicMayEmit(DataSource dataSource, String instanceId) {
        Optional<String> statements;
        try {
            statements = statements(dataSource);
        } catch (RuntimeException e) {
            log.debug("CDC relay {}: could not check who may emit logical messages: {}", instanceId, e.toString());
            return;
        }
        statements.ifPresent(sql -> log.warn(
                "CDC relay {}: every login of this database may call pg_logical_emit_message and so write events for"
                        + " this relay (only its topics are published, the rest is parked); as a superuser, in this"
                        + " database, run: {} and grant EXECUTE likewise to every other role whose writers emit"
                        + " (docs/operations.md, Who may emit)",
                instanceId,
                sql));
    }

    /**
     * The statements that take EXECUTE on {@code pg_logical_emit_message} from PUBLIC, every overload it still has it
     * on, and give it to this session's user; empty when PUBLIC has it on none. The overloads are read from {@code
     * pg_proc}: PostgreSQL 17 replaced {@code (boolean,text,text)} and {@code (boolean,text,bytea)} by the same with
     * a fourth argument, so a signature written out would name no function on one version or the other.
     */
    public static Optional<String> statements(DataSource dataSource) {
        List<Open> open = Connections.with(
                dataSource,
                "reading who may emit logical messages",
                h -> OPEN.on(h).list(rs -> new Open(rs.getString("function"), rs.getString("user"))));
        if (open.isEmpty()) {
            return Optional.empty();
        }
        var sql = new StringBuilder();
        for (Open o : open) {
            sql.append("REVOKE EXECUTE ON FUNCTION ").append(o.function()).append(" FROM PUBLIC; ");
        }
        for (Open o : open) {
            sql.append("GRANT EXECUTE ON FUNCTION ")
                    .append(o.function())
                    .append(" TO ")
                    .append(o.user())
                    .append("; ");
        }
        return Optional.of(sql.toString().strip());
    }
}

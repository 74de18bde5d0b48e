package io.walletoutbox.app.internal.audit;

import io.walletoutbox.outbox.SchemaMigrations;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' audit log: an append-only table ({@code admin_audit}; the database refuses UPDATE, DELETE and
 * TRUNCATE, and only the function {@code admin_audit_purge} removes records past the minimum retention) written in the same transaction as the action it records, and one log line per action.
 */
public final class AuditLog {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    /** One recorded action. */
    public record Entry(long id, Instant at, String actor, String action, String target, Optional<String> reason) {}

    private static final int PURGE_BATCH = 1000;

    private final Jdbi jdbi;

    public AuditLog(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    /** Creates the table (history {@code app_schema_history}); safe from several processes. */
    public static void migrate(DataSource dataSource) {
        SchemaMigrations.apply(dataSource, "app", "classpath:io/walletoutbox/app/db", Map.of());
    }

    /** Records an action inside the caller's transaction (the action and its record commit together). */
    public void record(Handle handle, String actor, String action, String target, Optional<String> reason) {
        long id = handle.createQuery("""
                        INSERT INTO admin_audit (actor, action, target, reason)
                        VALUES (:actor, :action, :target, :reason) RETURNING id
                        """)
                .bind("actor", actor)
                .bind("action", action)
                .bind("target", target)
                .bind("reason", reason.orElse(null))
                .mapTo(Long.class)
                .one();
        log.info(
                "admin action audit={} actor={} action={} target={} reason={}",
                id,
                LogText.escape(actor),
                action,
                LogText.escape(target),
                LogText.escape(reason.orElse("-")));
    }

    /**
     * Deletes the records older than {@code retention}, in batches; returns how many. The delete happens in
     * {@code admin_audit_purge}, a function of the schema's owner: the runtime role may not delete from the table,
     * and the function refuses a cut-off younger than the database's minimum retention (30 days), whatever the
     * caller asks.
     */
    public long purge(java.time.Duration retention) {
        OffsetDateTime cutoff = OffsetDateTime.ofInstant(Instant.now().minus(retention), java.time.ZoneOffset.UTC);
        long total = 0;
        while (true) {
            int deleted = jdbi.withHandle(h -> h.createQuery("SELECT admin_audit_purge(:cutoff, :batch)")
                    .bind("cutoff", cutoff)
                    .bind("batch", PURGE_BATCH)
                    .mapTo(Integer.class)
                    .one());
            total += deleted;
            if (deleted < PURGE_BATCH) {
                if (total > 0) {
                    log.info("audit records purged count={} olderThan={}", total, cutoff);
                }
                return total;
            }
        }
    }

    /** Entries in id order after {@code afterId}, at most {@code limit}. */
    public List<Entry> list(int limit, long afterId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, at, actor, action, target, reason FROM admin_audit
                        WHERE id > :after ORDER BY id LIMIT :limit
                        """)
                .bind("after", afterId)
                .bind("limit", limit)
                .map((rs, ctx) -> new Entry(
                        rs.getLong("id"),
                        rs.getObject("at", OffsetDateTime.class).toInstant(),
                        rs.getString("actor"),
                        rs.getString("action"),
                        rs.getString("target"),
                        Optional.ofNullable(rs.getString("reason"))))
                .list());
    }
}

package io.walletoutbox.wallet.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.IdempotencyResult;
import io.walletoutbox.wallet.IdempotentRequest;
import io.walletoutbox.wallet.StoredResponse;
import io.walletoutbox.wallet.WalletConfig;
import io.walletoutbox.wallet.WalletException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotency keys in the {@code idempotency_key} table. Three short steps: claim the key (a committed lease),
 * run the work and store the response in one transaction that first re-checks the lease under a row lock, and on
 * failure release the key.
 */
public final class PostgresIdempotencyKeys implements IdempotencyKeys {
    private static final Logger log = LoggerFactory.getLogger(PostgresIdempotencyKeys.class);
    private static final int PURGE_BATCH = 1000;

    private final Jdbi jdbi;
    private final WalletConfig config;
    private final ObjectMapper json = new ObjectMapper();

    public PostgresIdempotencyKeys(Jdbi jdbi, WalletConfig config) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public IdempotencyResult execute(IdempotentRequest request, Function<Handle, StoredResponse> work) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(work, "work");
        UUID token = UUID.randomUUID();
        Optional<IdempotencyResult> found = jdbi.inTransaction(h -> claim(h, request, token));
        if (found.isPresent()) {
            return found.get();
        }
        try {
            return jdbi.inTransaction(h -> {
                // The fence: our lease must still be ours, and the row lock keeps a late taker-over waiting
                // until we commit (it then finds the key COMPLETED and replays).
                boolean ours = h.createQuery("""
                                SELECT EXISTS (SELECT 1 FROM idempotency_key
                                 WHERE scope = :scope AND key = :key AND owner = :token AND state = 'IN_FLIGHT'
                                 FOR UPDATE)
                                """)
                        .bind("scope", request.scope())
                        .bind("key", request.key())
                        .bind("token", token)
                        .mapTo(Boolean.class)
                        .one();
                if (!ours) {
                    throw new WalletException.IdempotencyLeaseLost(request.scope(), request.key());
                }
                StoredResponse response = Objects.requireNonNull(work.apply(h), "work returned no response");
                complete(h, request, token, response);
                return new IdempotencyResult.Executed(response);
            });
        } catch (RuntimeException | Error e) {
            release(request, token, e);
            throw e;
        }
    }

    /** Takes the key (empty) or says why not. */
    private Optional<IdempotencyResult> claim(Handle h, IdempotentRequest request, UUID token) {
        // A new key is inserted; an expired key, or an abandoned lease of the same request, is taken over.
        Optional<UUID> owner = h.createQuery("""
                        INSERT INTO idempotency_key AS k (scope, key, fingerprint, state, owner, locked_until,
                                                          expires_at)
                        VALUES (:scope, :key, :fingerprint, 'IN_FLIGHT', :token,
                                now() + :leaseMs * interval '1 millisecond',
                                now() + :retentionMs * interval '1 millisecond')
                        ON CONFLICT (scope, key) DO UPDATE
                           SET fingerprint = excluded.fingerprint, state = 'IN_FLIGHT', owner = excluded.owner,
                               locked_until = excluded.locked_until, expires_at = excluded.expires_at,
                               created_at = now(), completed_at = NULL, response_status = NULL,
                               response_headers = NULL, response_body = NULL
                         WHERE k.expires_at <= now()
                            OR (k.state = 'IN_FLIGHT' AND k.locked_until <= now()
                                AND k.fingerprint = excluded.fingerprint)
                        RETURNING owner
                        """)
                .bind("scope", request.scope())
                .bind("key", request.key())
                .bind("fingerprint", request.fingerprint())
                .bind("token", token)
                .bind("leaseMs", config.idempotencyLease().toMillis())
                .bind("retentionMs", config.idempotencyRetention().toMillis())
                .mapTo(UUID.class)
                .findOne();
        if (owner.isPresent()) {
            return Optional.empty();
        }
        // The conflicting row is locked by the INSERT above, so this reads its latest committed state.
        return Optional.of(h.createQuery("""
                        SELECT fingerprint, state, response_status, response_headers::text AS headers, response_body
                        FROM idempotency_key WHERE scope = :scope AND key = :key
                        """)
                .bind("scope", request.scope())
                .bind("key", request.key())
                .map((rs, ctx) -> {
                    if (!rs.getString("fingerprint").equals(request.fingerprint())) {
                        return new IdempotencyResult.KeyReused();
                    }
                    if (rs.getString("state").equals("IN_FLIGHT")) {
                        return (IdempotencyResult) new IdempotencyResult.InFlight();
                    }
                    return new IdempotencyResult.Replayed(new StoredResponse(
                            rs.getInt("response_status"),
                            headers(rs.getString("headers")),
                            rs.getBytes("response_body")));
                })
                .one());
    }

    private void complete(Handle h, IdempotentRequest request, UUID token, StoredResponse response) {
        String headers;
        try {
            headers = json.writeValueAsString(response.headers());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serialises", e);
        }
        int updated = h.createUpdate("""
                        UPDATE idempotency_key
                           SET state = 'COMPLETED', owner = NULL, locked_until = NULL, completed_at = now(),
                               response_status = :status, response_headers = CAST(:headers AS jsonb),
                               response_body = :body
                         WHERE scope = :scope AND key = :key AND owner = :token AND state = 'IN_FLIGHT'
                        """)
                .bind("status", response.status())
                .bind("headers", headers)
                .bind("body", response.body())
                .bind("scope", request.scope())
                .bind("key", request.key())
                .bind("token", token)
                .execute();
        if (updated != 1) { // impossible while we hold the row lock; never commit work without its response
            throw new WalletException.IdempotencyLeaseLost(request.scope(), request.key());
        }
    }

    /** Frees the key after failed work; if even that fails, the lease running out frees it. */
    private void release(IdempotentRequest request, UUID token, Throwable cause) {
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                            DELETE FROM idempotency_key
                             WHERE scope = :scope AND key = :key AND owner = :token AND state = 'IN_FLIGHT'
                            """)
                    .bind("scope", request.scope())
                    .bind("key", request.key())
                    .bind("token", token)
                    .execute());
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private Map<String, String> headers(String text) {
        try {
            return json.readValue(text, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored response headers are not a JSON object of strings", e);
        }
    }

    @Override
    public int purgeExpired() {
        int total = 0;
        int deleted;
        do {
            deleted = jdbi.withHandle(
                    h -> h.createUpdate("""
                            DELETE FROM idempotency_key WHERE ctid = ANY (ARRAY(
                                SELECT ctid FROM idempotency_key WHERE expires_at <= now() LIMIT :batch))
                            """).bind("batch", PURGE_BATCH).execute());
            total += deleted;
        } while (deleted == PURGE_BATCH);
        return total;
    }

    @Override
    public AutoCloseable startCleanup(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("idempotency-key-cleanup").daemon().factory());
        executor.scheduleWithFixedDelay(
                () -> {
                    try {
                        int purged = purgeExpired();
                        if (purged > 0) {
                            log.info("purged expired idempotency keys count={}", purged);
                        }
                    } catch (RuntimeException e) {
                        // Not a money path: a missed purge only keeps old keys a little longer.
                        log.warn("purging expired idempotency keys failed; retrying in {}", interval, e);
                    }
                },
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return () -> {
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        };
    }
}

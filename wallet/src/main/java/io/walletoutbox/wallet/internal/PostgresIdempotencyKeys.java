package io.walletoutbox.wallet.internal;

import io.walletoutbox.wallet.IdempotencyKeys;
import io.walletoutbox.wallet.StoredResponse;
import io.walletoutbox.wallet.WalletConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotency keys in the {@code idempotency_key} table, written in the same transaction as the request's work.
 *
 * <p>Why an advisory lock: without it a second request with the same key would either block on the first one's
 * uncommitted row until it commits (no 409 ever) or, reading before that commit, run the work a second time. A
 * transaction-scoped {@code pg_try_advisory_xact_lock} says "in flight" without waiting and is released by commit
 * or rollback, whatever happens to the process. Its two-int form ({@value #LOCK_CLASS}, hash of scope and key) has
 * a lock space of its own, apart from the one-bigint form other modules may use. Two different keys whose 32-bit
 * hashes collide can only make one of them answer 409 while the other runs; the client's retry then succeeds.
 */
public final class PostgresIdempotencyKeys implements IdempotencyKeys {
    private static final Logger log = LoggerFactory.getLogger(PostgresIdempotencyKeys.class);
    /** "WLIK" (wallet idempotency key): the advisory lock class of these locks. */
    static final int LOCK_CLASS = 0x574c494b;

    private static final int PURGE_BATCH = 1000;

    private final Jdbi jdbi;
    private final WalletConfig config;

    public PostgresIdempotencyKeys(Jdbi jdbi, WalletConfig config) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public Result execute(String scope, String key, String fingerprint, Function<Handle, StoredResponse> action) {
        requireText(scope, "scope");
        IdempotencyKeys.requireKey(key);
        requireText(fingerprint, "fingerprint");
        Objects.requireNonNull(action, "action");
        return jdbi.inTransaction(h -> {
            boolean locked = h.createQuery("SELECT pg_try_advisory_xact_lock(:class, :object)")
                    .bind("class", LOCK_CLASS)
                    .bind("object", lockObject(scope, key))
                    .mapTo(Boolean.class)
                    .one();
            if (!locked) {
                return new InFlight();
            }
            // Holding the lock, this statement's snapshot sees every earlier request with this key committed.
            h.createUpdate("DELETE FROM idempotency_key WHERE scope = :scope AND key = :key AND expires_at <= now()")
                    .bind("scope", scope)
                    .bind("key", key)
                    .execute();
            Optional<Result> earlier = h.createQuery("""
                            SELECT fingerprint, response_status, response_content_type, response_body
                            FROM idempotency_key WHERE scope = :scope AND key = :key
                            """)
                    .bind("scope", scope)
                    .bind("key", key)
                    .map((rs, ctx) -> rs.getString("fingerprint").equals(fingerprint)
                            ? (Result) new Replayed(new StoredResponse(
                                    rs.getInt("response_status"),
                                    rs.getString("response_content_type"),
                                    rs.getBytes("response_body")))
                            : new FingerprintMismatch())
                    .findOne();
            if (earlier.isPresent()) {
                return earlier.get();
            }
            StoredResponse response = Objects.requireNonNull(action.apply(h), "the action returned no response");
            h.createUpdate("""
                            INSERT INTO idempotency_key (scope, key, fingerprint, response_status,
                                                         response_content_type, response_body, expires_at)
                            VALUES (:scope, :key, :fingerprint, :status, :contentType, :body,
                                    now() + :retentionMs * interval '1 millisecond')
                            """)
                    .bind("scope", scope)
                    .bind("key", key)
                    .bind("fingerprint", fingerprint)
                    .bind("status", response.status())
                    .bind("contentType", response.contentType())
                    .bind("body", response.body())
                    .bind("retentionMs", config.idempotencyRetention().toMillis())
                    .execute();
            return new Executed(response);
        });
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
    public AutoCloseable startPurger(Duration every) {
        Objects.requireNonNull(every, "every");
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("every must be positive, was " + every);
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("idempotency-key-purger").factory());
        executor.scheduleWithFixedDelay(
                () -> {
                    try {
                        int purged = purgeExpired();
                        if (purged > 0) {
                            log.info("purged expired idempotency keys count={}", purged);
                        }
                    } catch (RuntimeException e) {
                        // Not a money path: a missed purge only keeps expired keys a little longer.
                        log.warn("purging expired idempotency keys failed; trying again in {}", every, e);
                    }
                },
                every.toMillis(),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
        return () -> {
            executor.shutdownNow();
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("the idempotency key purger did not stop within 10 s");
            }
        };
    }

    /** The second int of the advisory lock: the first 4 bytes of SHA-256 over scope, NUL, key. */
    static int lockObject(String scope, String key) {
        MessageDigest sha;
        try {
            // a clone of a fresh digest skips getInstance's provider lookup, on every payment
            sha = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
        sha.update(scope.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(key.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(sha.digest()).getInt();
    }

    /** Never updated: only cloned. */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
            SHA_256.clone(); // fails here, at class initialisation, if the provider's digests cannot be cloned
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new IllegalStateException("every JDK has a cloneable SHA-256", e);
        }
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty() || value.length() > 200) {
            throw new IllegalArgumentException(name + " must be 1..200 characters");
        }
    }
}

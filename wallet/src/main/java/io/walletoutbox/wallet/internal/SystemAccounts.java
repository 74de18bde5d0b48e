package io.walletoutbox.wallet.internal;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * The system accounts (funding, biller clearing, biller settlement), one per kind, currency and bucket, created on
 * first use. Buckets spread concurrent transfers of different wallets over several rows instead of one hot row.
 */
final class SystemAccounts {
    /** Fixed: a payment records its clearing account, so changing this later only affects new payments. */
    static final int BUCKETS = 16;

    enum Kind {
        TOP_UP_FUNDING,
        BILLER_CLEARING,
        BILLER_SETTLEMENT
    }

    private record Slot(Kind kind, String currency, int bucket) {}

    private final Map<Slot, UUID> known = new ConcurrentHashMap<>();

    static int bucketOf(UUID walletId) {
        return Math.floorMod(walletId.hashCode(), BUCKETS);
    }

    /** The account's id, creating the account in {@code handle}'s transaction when it does not exist yet. */
    UUID id(Handle handle, Kind kind, String currency, UUID walletId) {
        Slot slot = new Slot(kind, currency, bucketOf(walletId));
        UUID id = known.get(slot);
        if (id != null) {
            return id;
        }
        // ON CONFLICT waits for a concurrent creator and then does nothing; the SELECT then sees its row.
        handle.createUpdate("""
                        INSERT INTO account (id, kind, currency, bucket) VALUES (:id, :kind, :currency, :bucket)
                        ON CONFLICT (kind, currency, bucket) WHERE kind <> 'WALLET' DO NOTHING
                        """)
                .bind("id", UUID.randomUUID())
                .bind("kind", kind.name())
                .bind("currency", currency)
                .bind("bucket", slot.bucket())
                .execute();
        UUID found = handle.createQuery(
                        "SELECT id FROM account WHERE kind = :kind AND currency = :currency AND bucket = :bucket")
                .bind("kind", kind.name())
                .bind("currency", currency)
                .bind("bucket", slot.bucket())
                .mapTo(UUID.class)
                .one();
        // Remembered only once committed: a rolled-back creation must not leave a dangling id behind.
        handle.afterCommit(() -> known.putIfAbsent(slot, found));
        return found;
    }

    /** Adds {@code delta} to a system account's balance (the CHECK constraints refuse a negative clearing). */
    static void adjust(Handle handle, UUID accountId, long delta) {
        int updated = handle.createUpdate("UPDATE account SET balance = balance + :delta WHERE id = :id")
                .bind("delta", delta)
                .bind("id", accountId)
                .execute();
        if (updated != 1) {
            throw new IllegalStateException("system account " + accountId + " is missing");
        }
    }
}

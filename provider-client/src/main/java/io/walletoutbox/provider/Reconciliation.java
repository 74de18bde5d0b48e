package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.PostgresReconciliation;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** The operators' view of payments awaiting reconciliation (the admin listing and its count). */
public interface Reconciliation {

    /** Unresolved entries, oldest first, at most {@code limit} (1..1000). */
    List<ReconciliationEntry> pending(int limit);

    /** How many entries are unresolved. */
    long countPending();

    /** The stock implementation on the provider schema's table. */
    static Reconciliation create(Jdbi jdbi) {
        return new PostgresReconciliation(jdbi);
    }
}

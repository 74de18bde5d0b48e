package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.DefaultBillers;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configured billers: one {@link BillerClient} (with its own circuit breaker, so one biller's outage never
 * opens another's circuit) per biller id. A payment names its biller; the consumer and the reconciliation job call
 * that biller's client, and a payment naming a biller that is not here is never sent anywhere else. Create one at
 * start, share it between the {@link BillPaymentConsumer} and the {@link ReconciliationJob}, and close it after
 * both.
 */
public interface Billers extends AutoCloseable {
    /** The id under which {@link BillerClient#create(BillerClientConfig, ProviderMetrics)} reports. */
    String DEFAULT_ID = "default";

    /** The client of biller {@code id}, or empty when no such biller is configured. */
    Optional<BillerClient> client(String id);

    /** The configuration of biller {@code id}, or empty when no such biller is configured. */
    Optional<BillerClientConfig> config(String id);

    /** The configured biller ids. */
    Set<String> ids();

    /** Closes every client. Idempotent. */
    @Override
    void close();

    /**
     * One {@link BillerClient#create(String, BillerClientConfig, ProviderMetrics) client} per entry of {@code
     * billers} (biller id → configuration). Ids are 1..64 characters without control characters or spaces (the
     * ledger's bound on a payment's biller).
     *
     * @throws IllegalArgumentException when {@code billers} is empty or an id is malformed
     */
    static Billers create(Map<String, BillerClientConfig> billers, ProviderMetrics metrics) {
        return DefaultBillers.create(billers, metrics);
    }
}

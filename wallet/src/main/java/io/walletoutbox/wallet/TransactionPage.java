package io.walletoutbox.wallet;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** One page of a wallet's ledger entries, newest first, and the cursor of the next page (empty at the end). */
public record TransactionPage(List<Entry> items, Optional<String> nextCursor) {
    public TransactionPage {
        items = List.copyOf(items);
    }

    /**
     * One ledger entry of the wallet: {@code amount} is positive for a credit and negative for a debit.
     *
     * @param kind {@code TOP_UP}, {@code BILL_PAYMENT} or {@code REFUND}
     * @param reference the top-up or payment id
     */
    public record Entry(
            UUID transferId, String kind, long amount, String currency, UUID reference, Instant createdAt) {}
}

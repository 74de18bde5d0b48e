package io.walletoutbox.wallet;

import java.time.Instant;
import java.util.UUID;

/** A completed top-up and the wallet's balance right after it. */
public record TopUp(UUID id, UUID walletId, long amount, String currency, long balance, Instant createdAt) {}

package io.walletoutbox.wallet;

import java.time.Instant;
import java.util.UUID;

/** A user's wallet: one currency, a balance in minor units that is never negative. */
public record Wallet(UUID id, String ownerId, String currency, long balance, Instant createdAt) {}

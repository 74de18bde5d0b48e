package io.walletoutbox.provider;

import java.time.Instant;

/**
 * How often the biller simulator wrote back the definitive answer (paid or declined) to one idempotency key. 503s,
 * dropped and timed-out requests are not answers.
 *
 * @param idempotencyKey the key
 * @param answered how many times its answer was written back
 * @param lastAnsweredAt when the last one was about to be written back (no caller can have read it before)
 */
public record AnsweredKey(String idempotencyKey, int answered, Instant lastAnsweredAt) {}

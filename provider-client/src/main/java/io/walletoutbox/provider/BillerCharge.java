package io.walletoutbox.provider;

/**
 * One charge the biller simulator made; there is one per idempotency key (within the retention window).
 *
 * @param id the biller's payment id (the reference a client gets back)
 * @param idempotencyKey the key of the request that charged
 */
public record BillerCharge(String id, String idempotencyKey, String customerRef, long amount, String currency) {}

package io.walletoutbox.provider;

import java.util.Objects;

/**
 * What a call to the biller established. Only {@link Paid} and {@link Declined} are definite; {@link Unknown} and
 * {@link ConfigurationFault} never settle a payment and never refund it.
 */
public sealed interface BillerOutcome {
    /** The biller charged; {@code reference} is its payment id. */
    record Paid(String reference) implements BillerOutcome {}

    /** The biller refused for good (for example an unknown customer). */
    record Declined(String reason) implements BillerOutcome {}

    /** Nobody knows whether the biller charged (timeout, connection lost, 5xx after retries): never refund. */
    record Unknown(String cause) implements BillerOutcome {}

    /**
     * The biller refused <em>us</em>, not the payment: {@code 401}/{@code 403} (missing, wrong or revoked
     * credential) or {@code 404} on {@code POST /v1/payments} (a wrong base URL or route), or the circuit is open
     * because such answers opened it. Neither paid nor declined: the payment stays pending and is retried with the
     * same idempotency key (whether an earlier attempt charged is settled by the replay once the configuration is
     * fixed). It says nothing about the payment itself, so the bill-payment consumer never sends it to
     * reconciliation for this; an operator must fix the credential or the URL, which the {@code
     * biller.config.faults} metric and its alert report.
     *
     * @param status the HTTP status that showed the fault (the last one seen when the circuit is open)
     * @param cause what happened, for logs; never contains the credential
     */
    record ConfigurationFault(int status, String cause) implements BillerOutcome {
        public ConfigurationFault {
            Objects.requireNonNull(cause, "cause");
        }
    }
}

package io.walletoutbox.provider;

import io.walletoutbox.provider.internal.BillerText;
import java.util.Objects;

/**
 * What a call to the biller established. Only {@link Paid} and {@link Declined} are definite; {@link Unknown},
 * {@link ConfigurationFault} and {@link NotCharged} never settle a payment by themselves and never refund it.
 */
public sealed interface BillerOutcome {
    /**
     * The biller charged; {@code reference} is its payment id, cleaned where it enters (control and format
     * characters removed, white space collapsed, at most {@value BillerText#MAX_REFERENCE} code points), so the
     * ledger can always store it.
     *
     * @throws IllegalArgumentException when nothing printable is left of the reference
     */
    record Paid(String reference) implements BillerOutcome {
        public Paid {
            Objects.requireNonNull(reference, "reference");
            reference = BillerText.reference(reference);
            if (reference.isEmpty()) {
                throw new IllegalArgumentException("the biller's payment reference has no printable character");
            }
        }
    }

    /**
     * The biller refused for good (for example an unknown customer). {@code reason} is cleaned where it enters
     * (control and format characters removed, white space collapsed, at most {@value BillerText#MAX_REASON} code
     * points; {@code declined} when nothing printable is left), so the ledger can always store it.
     */
    record Declined(String reason) implements BillerOutcome {
        public Declined {
            reason = BillerText.reason(reason, "declined");
        }
    }

    /** Nobody knows whether the biller charged (timeout, connection lost, 5xx after retries): never refund. */
    record Unknown(String cause) implements BillerOutcome {}

    /**
     * Only from {@link BillerClient#status}: the biller has no payment under this idempotency key ({@code 404}
     * to {@code GET /v1/payments/{key}}). Within the biller's {@linkplain BillerClientConfig#keyRetention() key
     * retention} since the first attempt, that proves nothing was charged; past it, the biller may have forgotten
     * a charge.
     */
    record NotCharged(String cause) implements BillerOutcome {
        public NotCharged {
            Objects.requireNonNull(cause, "cause");
        }
    }

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

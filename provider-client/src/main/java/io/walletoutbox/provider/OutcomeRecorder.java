package io.walletoutbox.provider;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Where the bill-payment consumer reports definite outcomes; the app wires it to the wallet module. Both methods
 * run inside the consumer's open transaction on {@code handle}, together with the inbox row of the event: write
 * everything (payment state, ledger entries, the follow-up outbox event) through that handle and do not commit.
 * Throwing rolls the whole transaction back and the event is processed again later.
 */
public interface OutcomeRecorder {

    /**
     * The biller charged payment {@code paymentId}; {@code reference} is its payment id. Returns true when this
     * changed the payment (false: it was settled before, nothing written).
     */
    boolean paid(Handle handle, UUID paymentId, String reference);

    /**
     * The biller definitively declined payment {@code paymentId} (nothing was charged: refund it). Returns true
     * when this changed the payment.
     */
    boolean declined(Handle handle, UUID paymentId, String reason);
}

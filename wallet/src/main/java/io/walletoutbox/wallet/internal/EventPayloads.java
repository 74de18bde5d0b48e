package io.walletoutbox.wallet.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.walletoutbox.wallet.BillPayment;

/** The JSON values of the wallet's events, field for field as {@link io.walletoutbox.wallet.WalletEvents} says. */
final class EventPayloads {
    /**
     * With a shared buffer pool: Jackson's default pool is per thread, and every API request runs on a virtual thread
     * of its own, so each payload allocated fresh 8 KB buffers.
     */
    private final ObjectMapper json = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.sharedConcurrentDequePool())
            .build());

    String requested(BillPayment p) {
        ObjectNode node = json.createObjectNode();
        node.put("paymentId", p.id().toString());
        node.put("walletId", p.walletId().toString());
        node.put("biller", p.biller());
        node.put("customerRef", p.customerRef());
        node.put("amount", p.amount());
        node.put("currency", p.currency());
        return write(node);
    }

    /**
     * The end of a {@code BillPaymentSucceeded} / {@code BillPaymentFailed} payload after its base fields: {@code
     * ,"<field>":"<value>"}} (the server-side function {@code wallet_record_outcome} writes the base fields, {@code
     * paymentId}, {@code walletId}, {@code amount} and {@code currency}, before it).
     */
    String tail(String field, String value) {
        ObjectNode node = json.createObjectNode();
        node.put(field, value);
        return "," + write(node).substring(1);
    }

    private String write(ObjectNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }
}

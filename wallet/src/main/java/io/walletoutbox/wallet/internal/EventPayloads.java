package io.walletoutbox.wallet.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.walletoutbox.wallet.BillPayment;
import java.time.Instant;

/** The JSON values of the wallet's events (documented in {@link io.walletoutbox.wallet.WalletEvents}). */
final class EventPayloads {
    private final ObjectMapper json = new ObjectMapper();

    String requested(BillPayment p) {
        ObjectNode node = base(p);
        node.put("biller", p.biller());
        node.put("customerRef", p.customerRef());
        node.put("requestedAt", p.createdAt().toString());
        return write(reorder(node, "paymentId", "walletId", "biller", "customerRef", "amount", "currency"));
    }

    String succeeded(BillPayment p, String providerReference, Instant completedAt) {
        ObjectNode node = base(p);
        node.put("providerReference", providerReference);
        node.put("completedAt", completedAt.toString());
        return write(node);
    }

    String failed(BillPayment p, String reason, Instant completedAt) {
        ObjectNode node = base(p);
        node.put("reason", reason);
        node.put("completedAt", completedAt.toString());
        return write(node);
    }

    private ObjectNode base(BillPayment p) {
        ObjectNode node = json.createObjectNode();
        node.put("paymentId", p.id().toString());
        node.put("walletId", p.walletId().toString());
        node.put("amount", p.amount());
        node.put("currency", p.currency());
        return node;
    }

    /** The same fields with the named ones first, in that order (a stable, readable layout). */
    private ObjectNode reorder(ObjectNode node, String... first) {
        ObjectNode ordered = json.createObjectNode();
        for (String name : first) {
            ordered.set(name, node.get(name));
        }
        node.properties().forEach(e -> {
            if (!ordered.has(e.getKey())) {
                ordered.set(e.getKey(), e.getValue());
            }
        });
        return ordered;
    }

    private String write(ObjectNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }
}

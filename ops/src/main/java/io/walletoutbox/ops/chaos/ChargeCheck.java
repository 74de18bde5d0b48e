package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.chaos.Checker.Expectations;
import io.walletoutbox.ops.chaos.Checker.Payment;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** The I4 check of the chaos suite (see {@link #check}); its violations go to the {@link Checker} under I4. */
final class ChargeCheck {
    private ChargeCheck() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** I4: at most one charge per payment, exactly one iff SUCCEEDED (by idempotency key = payment id). */
    static void check(Checker checker, Map<UUID, Payment> payments, String chargesJson, Expectations x)
            throws Exception {
        Map<String, Integer> charges = new HashMap<>();
        Map<String, Long> amounts = new HashMap<>();
        for (JsonNode ch : JSON.readTree(chargesJson)) {
            String ref = ch.path("customerRef").asText();
            if (!ref.contains("-" + x.customerTag() + "-")) {
                continue; // another scenario's payment
            }
            String key = ch.path("idempotencyKey").asText();
            charges.merge(key, 1, Integer::sum);
            amounts.put(key, ch.path("amount").asLong());
            UUID id;
            try {
                id = UUID.fromString(key);
            } catch (IllegalArgumentException e) {
                checker.fail("I4", "charge with key " + key + " that is no payment id");
                continue;
            }
            Payment p = payments.get(id);
            if (p == null) {
                checker.fail("I4", "charge for payment " + key + " that does not exist");
                continue;
            }
            String simulator = x.billerSimulators().get(p.biller());
            if (simulator != null && !simulator.equals(ch.path("simulator").asText())) {
                checker.fail(
                        "I4",
                        p.biller() + " payment " + id + " charged by simulator "
                                + ch.path("simulator").asText() + ", not by its biller's (" + simulator + ")");
            }
        }
        for (Payment p : payments.values()) {
            int n = charges.getOrDefault(p.id().toString(), 0);
            if (n > 1) {
                checker.fail("I4", "payment " + p.id() + " charged " + n + " times");
            }
            if (n == 1 && amounts.get(p.id().toString()) != p.amount()) {
                checker.fail("I4", "payment " + p.id() + " charged a different amount");
            }
            if (p.status().equals("SUCCEEDED") && n != 1) {
                checker.fail("I4", "SUCCEEDED payment " + p.id() + " charged " + n + " times");
            }
            if (p.status().equals("FAILED") && n != 0) {
                checker.fail("I4", "FAILED (refunded) payment " + p.id() + " was charged");
            }
        }
    }
}

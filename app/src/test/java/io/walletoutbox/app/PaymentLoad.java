package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Payments sent one after the other per wallet, round robin over the wallets, about 20 a second, until stopped;
 * an error answer is retried with the same key. For {@link KafkaClusterFailoverIT}.
 */
final class PaymentLoad implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServiceHarness service;
    final List<String> wallets;
    /** Per wallet, its payments in the order the API accepted them (its commit order). */
    final Map<String, List<String>> accepted = new LinkedHashMap<>();

    final List<String> all = new CopyOnWriteArrayList<>();
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    PaymentLoad(ServiceHarness service, List<String> wallets) {
        this.service = service;
        this.wallets = wallets;
        wallets.forEach(w -> accepted.put(w, Collections.synchronizedList(new ArrayList<>())));
    }

    @Override
    public void run() {
        try {
            for (int i = 0; !stop.get(); i++) {
                String wallet = wallets.get(i % wallets.size());
                String key = "kc-" + wallet + "-" + i;
                // An error answer (none expected: the API does not touch Kafka) is retried with the same key.
                HttpResponse<String> answer;
                int tries = 0;
                do {
                    answer = service.post(
                            "/wallets/" + wallet + "/bill-payments",
                            "{\"biller\":\"wifi\",\"customerRef\":\"ACC-KC-" + i + "\",\"amount\":" + (1 + i % 50)
                                    + "}",
                            key);
                } while (answer.statusCode() >= 500 && ++tries < 20);
                assertEquals(202, answer.statusCode(), answer.body());
                String id = JSON.readTree(answer.body()).get("id").asText();
                accepted.get(wallet).add(id);
                all.add(id);
                Thread.sleep(50); // pacing: about 20 payments a second
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }
}

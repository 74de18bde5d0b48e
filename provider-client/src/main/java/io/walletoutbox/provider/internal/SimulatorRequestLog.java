package io.walletoutbox.provider.internal;

import com.sun.net.httpserver.HttpExchange;
import io.walletoutbox.provider.BillerRequest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/** The simulator's latest payment-route requests ({@link #CAPACITY} at most, oldest dropped first). */
final class SimulatorRequestLog {
    static final int CAPACITY = 10_000;

    private final ArrayDeque<BillerRequest> requests = new ArrayDeque<>();

    /** Notes a payment-route request: its method, key and {@code traceparent} header. */
    void note(HttpExchange ex, String key) {
        var request = new BillerRequest(
                ex.getRequestMethod(),
                key,
                Optional.ofNullable(ex.getRequestHeaders().getFirst("traceparent")),
                Instant.now());
        synchronized (requests) {
            if (requests.size() == CAPACITY) {
                requests.removeFirst();
            }
            requests.addLast(request);
        }
    }

    /** The requests noted, oldest first. */
    List<BillerRequest> list() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }
}

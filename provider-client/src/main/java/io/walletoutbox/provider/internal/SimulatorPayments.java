package io.walletoutbox.provider.internal;

import static io.walletoutbox.provider.internal.SimulatorHttp.problem;
import static io.walletoutbox.provider.internal.SimulatorHttp.sendAnswer;

import com.sun.net.httpserver.HttpExchange;
import io.walletoutbox.provider.SimulatorFaults;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The payment routes, {@code POST /v1/payments} and {@code GET /v1/payments/{key}}, with their faults. */
final class SimulatorPayments {
    private static final Logger log = LoggerFactory.getLogger(SimulatorPayments.class);

    private final SimulatorLedger ledger;
    private final SimulatorFaultState state;
    private final Duration hangTime;
    private final CountDownLatch stopped = new CountDownLatch(1);

    SimulatorPayments(SimulatorLedger ledger, SimulatorFaultState state, Duration hangTime) {
        this.ledger = ledger;
        this.state = state;
        this.hangTime = hangTime;
    }

    /** Releases every request held by a fault or latency, unanswered; held outcomes still land on time. */
    void stop() {
        stopped.countDown();
    }

    void pay(HttpExchange ex) throws IOException, InterruptedException {
        Instant arrived = Instant.now();
        String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
        if (key == null || key.isBlank() || key.length() > 255) {
            problem(ex, 400, "Bad Request", "the Idempotency-Key header is required (1..255 characters)");
            return;
        }
        SimulatorLedger.PaymentRequest request;
        try {
            request = SimulatorRequests.payment(SimulatorHttp.readBody(ex.getRequestBody()));
        } catch (IllegalArgumentException e) {
            problem(ex, 400, "Bad Request", e.getMessage());
            return;
        }
        SimulatorFaults f = state.faults();
        if (f.latencyMs() > 0 && stopped.await(f.latencyMs(), TimeUnit.MILLISECONDS)) {
            return; // stopping
        }
        if (state.fail(f)) {
            problem(ex, 503, "Service Unavailable", "injected fault");
            return;
        }
        if (state.hang(f)) {
            hold();
            return;
        }
        var result = ledger.pay(key, request, Instant.now(), state.declineReason(), state.lateLanding(f, arrived));
        if (result instanceof SimulatorLedger.Result.Held(var landAt)) {
            // The outcome lands by time in the ledger, whatever becomes of this exchange.
            log.debug("simulator holding key={} to land at {}", key, landAt);
            hold();
            return;
        }
        if (state.drop(f)) {
            log.debug("simulator dropping the response for key={}", key);
            return;
        }
        switch (result) {
            case SimulatorLedger.Result.Charged(var a) -> answer(ex, key, a);
            case SimulatorLedger.Result.Replayed(var a) -> answer(ex, key, a);
            case SimulatorLedger.Result.Mismatch() ->
                problem(ex, 422, "Unprocessable Content", "idempotency key " + key + " was used with another body");
            case SimulatorLedger.Result.InProgress() ->
                problem(ex, 409, "Conflict", "a request with idempotency key " + key + " is in progress");
            case SimulatorLedger.Result.Held h -> throw new AssertionError("a held request is handled above");
        }
    }

    void lookup(HttpExchange ex, String key) throws IOException {
        if (state.failStatus()) {
            problem(ex, 503, "Service Unavailable", "injected fault");
            return;
        }
        var answer = ledger.find(key, Instant.now());
        if (answer.isEmpty()) {
            problem(ex, 404, "Not Found", "no payment with idempotency key " + key);
        } else {
            sendAnswer(ex, answer.get(), 200);
        }
    }

    // Closing the exchange unanswered afterwards drops the connection: a client with a shorter timeout gave up.
    private void hold() throws InterruptedException {
        stopped.await(hangTime.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Writes a payment's definitive answer and counts it once it is out (a failed write is not counted), with the
     * time it was about to be written: the caller cannot have acted on it before then.
     */
    private void answer(HttpExchange ex, String key, SimulatorLedger.Answer a) throws IOException {
        Instant at = Instant.now();
        sendAnswer(ex, a, a.paid() ? 201 : 422);
        ex.getResponseBody().flush();
        ledger.answered(key, at);
    }
}

package io.walletoutbox.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.walletoutbox.provider.AnsweredKey;
import io.walletoutbox.provider.BillerCharge;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.ProviderException;
import io.walletoutbox.provider.SimulatorConfig;
import io.walletoutbox.provider.SimulatorFaults;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The biller simulator on the JDK's HTTP server, one virtual thread per exchange. */
public final class SimulatorServer implements BillerSimulator {
    private static final Logger log = LoggerFactory.getLogger(SimulatorServer.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYMENTS = "/v1/payments";

    private final SimulatorConfig config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final SimulatorLedger ledger;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger dropNext = new AtomicInteger();
    private volatile SimulatorFaults faults;
    private volatile boolean failStatus;
    private volatile Optional<String> declineReason = Optional.empty();
    // Only the key's SHA-256 is kept: comparing digests takes the same time whatever the presented key (length
    // included), and the key itself is never held where a heap dump or a toString could show it.
    private volatile Optional<byte[]> requiredKeyDigest;

    private SimulatorServer(SimulatorConfig config, HttpServer server, ExecutorService executor) {
        this.config = config;
        this.server = server;
        this.executor = executor;
        this.ledger = new SimulatorLedger(config.retention());
        this.faults = config.faults();
        this.requiredKeyDigest = config.requiredApiKey().map(SimulatorServer::sha256);
    }

    /** Binds the port and starts serving. */
    public static SimulatorServer start(SimulatorConfig config) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.bindAddress(), config.port()), 1024);
        } catch (IOException e) {
            throw new ProviderException.SimulatorStartException(
                    "cannot listen on " + config.bindAddress().getHostAddress() + " port " + config.port(), e);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        var sim = new SimulatorServer(config, server, executor);
        server.createContext("/", sim::handle);
        server.start();
        log.info(
                "biller simulator listening address={} port={} apiKeyRequired={} faults={}",
                config.bindAddress().getHostAddress(),
                sim.port(),
                config.requiredApiKey().isPresent(),
                config.faults());
        return sim;
    }

    @Override
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * {@code http://localhost:<port>} when bound to IPv4 loopback or every interface (the JDK resolves {@code
     * localhost} to {@code 127.0.0.1} first), else the bound address itself.
     */
    @Override
    public String baseUrl() {
        InetAddress bound = config.bindAddress();
        if (bound.isAnyLocalAddress() || (bound.isLoopbackAddress() && !(bound instanceof Inet6Address))) {
            return "http://localhost:" + port();
        }
        String host = bound.getHostAddress();
        return "http://" + (bound instanceof Inet6Address ? "[" + host.replaceAll("%.*$", "") + "]" : host) + ":"
                + port();
    }

    @Override
    public boolean apiKeyRequired() {
        return requiredKeyDigest.isPresent();
    }

    @Override
    public void requireApiKey(Optional<String> key) {
        Objects.requireNonNull(key, "key");
        // The same rules as a configured key; the message never shows it.
        requiredKeyDigest = config.withRequiredApiKey(key).requiredApiKey().map(SimulatorServer::sha256);
    }

    @Override
    public List<BillerCharge> charges() {
        return ledger.charges();
    }

    @Override
    public List<AnsweredKey> answers() {
        return ledger.answers();
    }

    @Override
    public void faults(SimulatorFaults newFaults) {
        this.faults = java.util.Objects.requireNonNull(newFaults);
    }

    @Override
    public SimulatorFaults faults() {
        return faults;
    }

    @Override
    public void failNext(int n) {
        failNext.set(Math.max(0, n));
    }

    @Override
    public void dropNext(int n) {
        dropNext.set(Math.max(0, n));
    }

    @Override
    public void failStatus(boolean failing) {
        failStatus = failing;
    }

    @Override
    public void declineReason(Optional<String> reason) {
        declineReason = Objects.requireNonNull(reason, "reason");
    }

    @Override
    public void close() {
        stopped.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            boolean paymentsApi = (path.equals(PAYMENTS) && method.equals("POST"))
                    || (path.startsWith(PAYMENTS + "/") && method.equals("GET"));
            if (paymentsApi && !authorized(ex)) {
                return;
            }
            if (path.equals(PAYMENTS) && method.equals("POST")) {
                pay(ex);
            } else if (path.startsWith(PAYMENTS + "/") && method.equals("GET")) {
                lookup(ex, path.substring(PAYMENTS.length() + 1));
            } else if (path.equals("/v1/charges") && method.equals("GET")) {
                send(ex, 200, chargesJson(ledger.charges()));
            } else if (path.equals("/v1/answers") && method.equals("GET")) {
                send(ex, 200, answersJson(ledger.answers()));
            } else if (path.equals("/v1/faults")) {
                faultsEndpoint(ex, method);
            } else {
                problem(ex, 404, "Not Found", "no route " + method + " " + path);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("simulator request failed", e);
            problem(ex, 500, "Internal Server Error", e.toString());
        }
    }

    /**
     * True when no key is required or the request carries {@code Authorization: Bearer <the key>}; otherwise
     * answers {@code 401} with {@code WWW-Authenticate: Bearer} (RFC 6750) and returns false. Nothing is charged.
     */
    private boolean authorized(HttpExchange ex) throws IOException {
        Optional<byte[]> required = requiredKeyDigest;
        if (required.isEmpty()) {
            return true;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || header.isBlank()) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"biller\"");
            problem(ex, 401, "Unauthorized", "an API key is required: Authorization: Bearer <key>");
            return false;
        }
        String h = header.strip();
        boolean bearer =
                h.length() > 7 && h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ");
        byte[] presented = sha256(bearer ? h.substring(7).strip() : "");
        if (!bearer || !MessageDigest.isEqual(presented, required.get())) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"biller\", error=\"invalid_token\"");
            problem(ex, 401, "Unauthorized", "the API key is not valid");
            return false;
        }
        return true;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private void pay(HttpExchange ex) throws IOException, InterruptedException {
        String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
        if (key == null || key.isBlank() || key.length() > 255) {
            problem(ex, 400, "Bad Request", "the Idempotency-Key header is required (1..255 characters)");
            return;
        }
        SimulatorLedger.PaymentRequest request;
        try {
            request = SimulatorRequests.payment(readBody(ex.getRequestBody()));
        } catch (IllegalArgumentException e) {
            problem(ex, 400, "Bad Request", e.getMessage());
            return;
        }
        SimulatorFaults f = faults;
        if (f.latencyMs() > 0 && stopped.await(f.latencyMs(), TimeUnit.MILLISECONDS)) {
            return; // stopping
        }
        var random = ThreadLocalRandom.current();
        if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 || random.nextDouble() < f.errorRate()) {
            problem(ex, 503, "Service Unavailable", "injected fault");
            return;
        }
        if (random.nextDouble() < f.timeoutRate()) {
            stopped.await(config.hangTime().toMillis(), TimeUnit.MILLISECONDS);
            return; // closing the exchange unanswered drops the connection: the client times out first
        }
        var result = ledger.pay(key, request, Instant.now(), declineReason);
        if (dropNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 || random.nextDouble() < f.dropResponseRate()) {
            log.debug("simulator dropping the response for key={}", key);
            return;
        }
        switch (result) {
            case SimulatorLedger.Result.Charged(var a) -> answer(ex, key, a);
            case SimulatorLedger.Result.Replayed(var a) -> answer(ex, key, a);
            case SimulatorLedger.Result.Mismatch() ->
                problem(ex, 422, "Unprocessable Content", "idempotency key " + key + " was used with another body");
        }
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

    private void lookup(HttpExchange ex, String key) throws IOException {
        if (failStatus) {
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

    private void faultsEndpoint(HttpExchange ex, String method) throws IOException {
        if (method.equals("POST")) {
            try {
                JsonNode body = readBody(ex.getRequestBody());
                faults = SimulatorRequests.faults(body, faults);
                if (body.has("failNext")) {
                    failNext(SimulatorRequests.count(body, "failNext"));
                }
                if (body.has("dropNext")) {
                    dropNext(SimulatorRequests.count(body, "dropNext"));
                }
                if (body.has("failStatus")) {
                    if (!body.get("failStatus").isBoolean()) {
                        throw new IllegalArgumentException("failStatus must be true or false");
                    }
                    failStatus(body.get("failStatus").asBoolean());
                }
                if (body.has("requireApiKey")) {
                    requireApiKey(SimulatorRequests.apiKey(body, "requireApiKey"));
                }
            } catch (IllegalArgumentException e) {
                problem(ex, 400, "Bad Request", e.getMessage());
                return;
            }
        } else if (!method.equals("GET")) {
            problem(ex, 405, "Method Not Allowed", method + " /v1/faults");
            return;
        }
        SimulatorFaults f = faults;
        ObjectNode out = JSON.createObjectNode()
                .put("latencyMs", f.latencyMs())
                .put("errorRate", f.errorRate())
                .put("timeoutRate", f.timeoutRate())
                .put("dropResponseRate", f.dropResponseRate())
                .put("failNext", failNext.get())
                .put("dropNext", dropNext.get())
                .put("failStatus", failStatus)
                .put("apiKeyRequired", apiKeyRequired());
        send(ex, 200, out);
    }

    // Built by hand: no reflection, so nothing to open to Jackson on the module path.
    private static JsonNode chargesJson(List<BillerCharge> charges) {
        var array = JSON.createArrayNode();
        for (BillerCharge c : charges) {
            array.addObject()
                    .put("id", c.id())
                    .put("idempotencyKey", c.idempotencyKey())
                    .put("customerRef", c.customerRef())
                    .put("amount", c.amount())
                    .put("currency", c.currency());
        }
        return array;
    }

    private static JsonNode answersJson(List<AnsweredKey> answers) {
        var array = JSON.createArrayNode();
        for (AnsweredKey a : answers) {
            array.addObject()
                    .put("idempotencyKey", a.idempotencyKey())
                    .put("answered", a.answered())
                    .put("lastAnsweredAt", a.lastAnsweredAt().toString());
        }
        return array;
    }

    private static JsonNode readBody(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(64 * 1024);
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON");
        }
    }

    private static void sendAnswer(HttpExchange ex, SimulatorLedger.Answer a, int status) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (a.paid()) {
            body.put("id", a.chargeId()).put("status", "PAID");
        } else {
            body.put("status", "DECLINED").put("reason", a.declineReason());
        }
        body.put("customerRef", a.request().customerRef())
                .put("amount", a.request().amount())
                .put("currency", a.request().currency());
        send(ex, status, body);
    }

    private static void problem(HttpExchange ex, int status, String title, String detail) throws IOException {
        ObjectNode body = JSON.createObjectNode()
                .put("type", "about:blank")
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        write(ex, status, body);
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        write(ex, status, body);
    }

    private static void write(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}

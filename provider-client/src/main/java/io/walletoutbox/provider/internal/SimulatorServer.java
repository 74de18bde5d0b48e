package io.walletoutbox.provider.internal;

import static io.walletoutbox.provider.internal.SimulatorHttp.problem;
import static io.walletoutbox.provider.internal.SimulatorHttp.send;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.walletoutbox.provider.AnsweredKey;
import io.walletoutbox.provider.BillerCharge;
import io.walletoutbox.provider.BillerRequest;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.ProviderException;
import io.walletoutbox.provider.SimulatorConfig;
import io.walletoutbox.provider.SimulatorFaults;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The biller simulator on the JDK's HTTP server, one virtual thread per exchange: its life cycle and routing. The
 * routes live in {@link SimulatorPayments} and {@link SimulatorAdmin}, the fault knobs in {@link
 * SimulatorFaultState}, the API key in {@link SimulatorAuth}, the memory in {@link SimulatorLedger}.
 */
public final class SimulatorServer implements BillerSimulator {
    private static final Logger log = LoggerFactory.getLogger(SimulatorServer.class);
    private static final String PAYMENTS = "/v1/payments";

    private final SimulatorConfig config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final SimulatorLedger ledger;
    private final SimulatorFaultState state;
    private final SimulatorAuth auth;
    private final SimulatorPayments payments;
    private final SimulatorAdmin admin;
    private final SimulatorRequestLog requests = new SimulatorRequestLog();

    private SimulatorServer(SimulatorConfig config, HttpServer server, ExecutorService executor) {
        this.config = config;
        this.server = server;
        this.executor = executor;
        this.ledger = new SimulatorLedger(config.retention());
        this.state = new SimulatorFaultState(config.faults());
        this.auth = new SimulatorAuth(config);
        this.payments = new SimulatorPayments(ledger, state, config.hangTime());
        this.admin = new SimulatorAdmin(state, auth);
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
        return auth.required();
    }

    @Override
    public void requireApiKey(Optional<String> key) {
        auth.require(key);
    }

    @Override
    public List<BillerCharge> charges() {
        return ledger.charges(Instant.now());
    }

    @Override
    public List<AnsweredKey> answers() {
        return ledger.answers();
    }

    @Override
    public List<BillerRequest> requests() {
        return requests.list();
    }

    @Override
    public void faults(SimulatorFaults newFaults) {
        state.faults(newFaults);
    }

    @Override
    public SimulatorFaults faults() {
        return state.faults();
    }

    @Override
    public void failNext(int n) {
        state.failNext(n);
    }

    @Override
    public void dropNext(int n) {
        state.dropNext(n);
    }

    @Override
    public void failStatus(boolean failing) {
        state.failStatus(failing);
    }

    @Override
    public void declineReason(Optional<String> reason) {
        state.declineReason(reason);
    }

    @Override
    public void close() {
        payments.stop();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            boolean paymentsApi = (path.equals(PAYMENTS) && method.equals("POST"))
                    || (path.startsWith(PAYMENTS + "/") && method.equals("GET"));
            if (paymentsApi && !auth.authorized(ex)) {
                return;
            }
            if (path.equals(PAYMENTS) && method.equals("POST")) {
                requests.note(ex, ex.getRequestHeaders().getFirst("Idempotency-Key"));
                payments.pay(ex);
            } else if (path.startsWith(PAYMENTS + "/") && method.equals("GET")) {
                requests.note(ex, path.substring(PAYMENTS.length() + 1));
                payments.lookup(ex, path.substring(PAYMENTS.length() + 1));
            } else if (path.equals("/v1/charges") && method.equals("GET")) {
                send(ex, 200, SimulatorAdmin.chargesJson(ledger.charges(Instant.now())));
            } else if (path.equals("/v1/answers") && method.equals("GET")) {
                send(ex, 200, SimulatorAdmin.answersJson(ledger.answers()));
            } else if (path.equals("/v1/requests") && method.equals("GET")) {
                send(ex, 200, SimulatorAdmin.requestsJson(requests.list()));
            } else if (path.equals("/v1/faults")) {
                admin.faults(ex, method);
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
}

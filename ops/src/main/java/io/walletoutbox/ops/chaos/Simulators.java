package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The biller simulators of the chaos suite ({@code provider-sim} processes of the fat jar) by name: {@link
 * Cluster#MAIN_SIM} from the start, others when a scenario first needs them; each lives for the whole run and keeps
 * its own charges, answers and faults, read and set over its HTTP API.
 */
final class Simulators {
    /** A biller simulator process and its port. */
    private record Simulator(Process process, int port) {}

    private final JarLauncher launcher;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Simulator> simulators = new LinkedHashMap<>();

    Simulators(JarLauncher launcher) {
        this.launcher = launcher;
    }

    /** Starts simulator {@code name} and waits until it answers; throws when it does not within 60 s. */
    void start(String name) throws IOException {
        int port = LoopbackPorts.free();
        Process p = launcher.launch(
                "provider-sim" + (name.equals(Cluster.MAIN_SIM) ? "" : "-" + name),
                Map.of("HTTP_PORT", Integer.toString(port)),
                List.of("provider-sim"));
        simulators.put(name, new Simulator(p, port));
        if (!launcher.awaitHttp(URI.create(url(name) + "/v1/charges"), Duration.ofSeconds(60), p)) {
            throw new IllegalStateException("biller simulator " + name + " did not start");
        }
    }

    boolean running(String name) {
        return simulators.containsKey(name);
    }

    /** The names of the simulators started. */
    List<String> names() {
        return new ArrayList<>(simulators.keySet());
    }

    /** The base URL of simulator {@code name}. */
    String url(String name) {
        Simulator sim = simulators.get(name);
        if (sim == null) {
            throw new IllegalArgumentException("no simulator " + name);
        }
        return "http://127.0.0.1:" + sim.port();
    }

    /** Simulator {@code name}'s process, if it was started. */
    Optional<Process> process(String name) {
        return Optional.ofNullable(simulators.get(name)).map(Simulator::process);
    }

    /** Sets simulator {@code name}'s faults ({@code POST /v1/faults}). */
    void faults(String name, String json) throws Exception {
        var r = http.send(
                HttpRequest.newBuilder(URI.create(url(name) + "/v1/faults"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST /v1/faults " + json + " → " + r.statusCode() + " " + r.body());
        }
    }

    /** Clears every fault of simulator {@code name}: latency, errors, timeouts, drops, status, key, late landing. */
    void clearFaults(String name) throws Exception {
        faults(
                name,
                "{\"latencyMs\":0,\"errorRate\":0.0,\"timeoutRate\":0.0,\"dropResponseRate\":0.0,"
                        + "\"failNext\":0,\"dropNext\":0,\"failStatus\":false,\"requireApiKey\":null,"
                        + "\"lateLandingRate\":0.0,\"landAfterMs\":0}");
    }

    /** Simulator {@code name}'s answer to {@code GET path}. */
    String get(String name, String path) throws Exception {
        var r = http.send(
                HttpRequest.newBuilder(URI.create(url(name) + path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " → " + r.statusCode());
        }
        return r.body();
    }

    /** Kills every simulator. */
    void close() {
        for (Simulator sim : simulators.values()) {
            sim.process().destroyForcibly();
        }
    }
}

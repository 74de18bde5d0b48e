package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.LoopbackPorts;
import io.walletoutbox.ops.chaos.Cluster.Service;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The service processes of the current scenario (instances of the fat jar by role, see {@link Service}): declared,
 * started with the environment the {@link Cluster} gives each, awaited, killed and stopped; their logs are {@code
 * <scenario>-<service>.log}.
 */
final class ServiceProcesses {
    private final JarLauncher launcher;
    private final Function<Service, Map<String, String>> environment;
    private final Map<String, Service> services = new LinkedHashMap<>();
    private String logPrefix = "setup";

    ServiceProcesses(JarLauncher launcher, Function<Service, Map<String, String>> environment) {
        this.launcher = launcher;
        this.environment = environment;
    }

    /** Forgets the last scenario's services, which must all be stopped; the next ones log as {@code name-…}. */
    void newScenario(String name) {
        if (services.values().stream().anyMatch(Service::alive)) {
            throw new IllegalStateException("services still running");
        }
        services.clear();
        this.logPrefix = name;
    }

    /** Declares a service (not started). */
    Service define(String name, String roles, Map<String, String> extraEnv) {
        Service s = new Service(name, roles, LoopbackPorts.free(), LoopbackPorts.free(), extraEnv);
        services.put(name, s);
        return s;
    }

    Service service(String name) {
        Service s = services.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no service " + name);
        }
        return s;
    }

    List<Service> services() {
        return new ArrayList<>(services.values());
    }

    /** Starts (or restarts) {@code s}, without waiting for it. */
    void launch(Service s) throws IOException {
        s.process = launcher.launch(logPrefix + "-" + s.name, environment.apply(s), List.of());
    }

    /**
     * Waits until {@code s} answers {@code /health/ready} on its management port; false when it exited or did not
     * answer in time.
     */
    boolean awaitReady(Service s, Duration timeout) {
        return launcher.awaitHttp(
                URI.create("http://127.0.0.1:" + s.managementPort + "/health/ready"), timeout, s.process);
    }

    /**
     * Starts the first service and waits for it (it migrates the fresh database), then the others together, and
     * waits for all; throws when one does not come up. (Instances started at the same moment on an empty
     * database race in the schema migration: see the report of this suite.)
     */
    void launchAll(List<Service> list) throws IOException {
        launch(list.getFirst());
        if (!awaitReady(list.getFirst(), Duration.ofSeconds(90))) {
            throw new IllegalStateException(list.getFirst().name + " did not become ready; see "
                    + launcher.logFile(logPrefix + "-" + list.getFirst().name));
        }
        for (Service s : list.subList(1, list.size())) {
            launch(s);
        }
        for (Service s : list) {
            if (!awaitReady(s, Duration.ofSeconds(90))) {
                throw new IllegalStateException(
                        s.name + " did not become ready; see " + launcher.logFile(logPrefix + "-" + s.name));
            }
        }
    }

    /** The last lines of a service's log. */
    String logTail(Service s, int lines) {
        try {
            List<String> all = Files.readAllLines(launcher.logFile(logPrefix + "-" + s.name));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    void kill9(Service s) throws Exception {
        Cluster.signal(s.pid(), "KILL");
        s.process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait (graceful: a consumer leaves its group). */
    void stop(Service s) throws Exception {
        if (!s.alive()) {
            return;
        }
        Cluster.signal(s.pid(), "CONT"); // a stopped process cannot handle SIGTERM
        s.process.destroy();
        if (!s.process.waitFor(30, TimeUnit.SECONDS)) {
            s.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    void stopAll() throws Exception {
        for (Service s : services.values()) {
            stop(s);
        }
    }

    /** Kills every service still running. */
    void close() {
        for (Service s : services.values()) {
            if (s.alive()) {
                s.process.destroyForcibly();
            }
        }
    }
}

package io.walletoutbox.ops.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the chaos suite starts its child processes: each a JVM of this machine's {@code java} running the fat jar (a
 * service by role, or {@code provider-sim}), with an environment of only what the suite sets, its output appended to
 * {@code <work>/logs/<name>.log}; and how it waits until one answers over HTTP.
 */
final class JarLauncher {
    private final Path work;
    private final Path jar;
    private final Path java;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    JarLauncher(Path work, Path jar) {
        this.work = work;
        this.jar = jar;
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The {@code java} binary of this JVM: every child process runs on it. */
    Path java() {
        return java;
    }

    /** The log of child process {@code logName}. */
    Path logFile(String logName) {
        return work.resolve("logs").resolve(logName + ".log");
    }

    /**
     * Starts {@code java -jar <jar> args…}, logging to {@link #logFile logFile(logName)}; of the variables that
     * configure a service or the simulator, the child gets only those in {@code env}, none of this process's.
     */
    Process launch(String logName, Map<String, String> env, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                java.toString(),
                "-Xms64m",
                "-Xmx320m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xss512k",
                // Class-data sharing archive written by the first instance that exits cleanly: later starts load
                // the jar's classes from it (about a third faster on two cores).
                "-XX:+AutoCreateSharedArchive",
                "-XX:SharedArchiveFile=" + work.resolve("service.jsa"),
                "-jar",
                jar.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(logName).toFile()));
        // Nothing of the tool's environment decides where a service connects: only what is set here.
        for (String key : List.of(
                "DATABASE_URL",
                "DATABASE_USER",
                "DATABASE_PASSWORD",
                "KAFKA_BOOTSTRAP_SERVERS",
                "KAFKA_CLIENT_PROPERTIES_FILE",
                "KAFKA_SECURITY_PROTOCOL",
                "PROVIDER_BASE_URL",
                "PROVIDER_API_KEY",
                "PROVIDER_API_KEY_FILE",
                "BILLERS",
                "BILLERS_FILE",
                "RECONCILIATION_AFTER",
                "RECONCILIATION_INTERVAL",
                "HTTP_PORT",
                "MANAGEMENT_PORT",
                "AUTH_ISSUER",
                "AUTH_JWKS_URL",
                "AUTH_AUDIENCE",
                "RATE_LIMIT_PER_SECOND",
                "RATE_LIMIT_BURST",
                "AUTH_FAILURE_RATE_LIMIT",
                "DAILY_PAYMENT_LIMIT",
                "API_KEY",
                "API_KEY_FILE",
                "BIND_ADDRESS",
                "ROLES",
                "RELAY_MODE",
                "EVENTS_TOPIC",
                "LATENCY_MS",
                "ERROR_RATE",
                "TIMEOUT_RATE",
                "DROP_RESPONSE_RATE",
                "LATE_LANDING_RATE",
                "LAND_AFTER_MS")) {
            pb.environment().remove(key);
        }
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * Waits until {@code GET uri} answers 200; false when {@code process} (if any) exited first or {@code timeout}
     * passed.
     */
    boolean awaitHttp(URI uri, Duration timeout, Process process) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                return false;
            }
            try {
                var r = http.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            Cluster.sleep(300);
        }
        return false;
    }
}

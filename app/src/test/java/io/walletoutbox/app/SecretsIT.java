package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.EmbeddedKafka;
import io.walletoutbox.embedded.LoopbackPorts;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.SimulatorConfig;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Secrets never leave the process: the service runs as a child process ({@code java -cp … Main}, the production
 * logging configuration) with distinctive values in {@code DATABASE_PASSWORD}, the JDBC URL's {@code password},
 * {@code DATABASE_PASSWORD_FILE}, {@code PROVIDER_API_KEY} and {@code KAFKA_SASL_JAAS_CONFIG}; failed starts, bad
 * values, {@code --help}, and a running instance whose biller refuses its key and whose database goes away are
 * driven, and everything it printed or answered is searched for each value. Also the safe defaults outside embedded
 * mode: no {@code AUTH_ISSUER}, an http one on another host than loopback, no {@code PROVIDER_BASE_URL} → one line,
 * exit 2.
 */
class SecretsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX =
            UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private static final String DB_PASSWORD = "DbPw" + SUFFIX;
    private static final String URL_PASSWORD = "UrlPw" + SUFFIX;
    private static final String FILE_PASSWORD = "FilePw" + SUFFIX;
    private static final String API_KEY = "ApiKey" + SUFFIX;
    /** The SCRAM broker's password is the JAAS secret: the running instance really authenticates with it. */
    private static final String JAAS_PASSWORD = ScramKafka.PASSWORD;

    private static final List<String> SECRETS =
            List.of(DB_PASSWORD, URL_PASSWORD, FILE_PASSWORD, API_KEY, JAAS_PASSWORD);

    private static Path work;

    /** What a run printed (stdout and stderr, interleaved) and how it ended. */
    record Run(String name, int exitCode, String output) {
        List<String> lines() {
            return output.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @BeforeAll
    static void start() throws IOException {
        work = Files.createTempDirectory("secrets-it");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void failedStartsBadValuesAndHelpNeverPrintASecret() throws Exception {
        String unreachable = "jdbc:postgresql://127.0.0.1:" + LoopbackPorts.free() + "/wallet";
        String missingDatabase = SharedInfrastructure.get().postgres().jdbcUrl("no_such_database_" + SUFFIX);
        Map<String, Map<String, String>> runs = new LinkedHashMap<>();
        runs.put("unreachable database", secretEnv(unreachable));
        runs.put("missing database", secretEnv(missingDatabase));
        runs.put("bad port", with(secretEnv(unreachable), "HTTP_PORT", "not-a-port"));
        runs.put(
                "bad database URL",
                with(
                        secretEnv(unreachable),
                        "DATABASE_URL",
                        "jdbc:postgresql://127.0.0.1:5432/wallet?password=" + URL_PASSWORD + "&ssl=not valid"));
        runs.put(
                "bad JAAS line",
                with(secretEnv(unreachable), "KAFKA_SASL_JAAS_CONFIG", "password=\"" + JAAS_PASSWORD + "\""));
        runs.put("--help", secretEnv(unreachable));
        Map<String, Run> done = runAll(runs);

        Run noDatabase = done.get("unreachable database");
        assertEquals(1, noDatabase.exitCode(), noDatabase.output());
        assertTrue(noDatabase.output().contains("cannot connect to PostgreSQL"), noDatabase.output());
        assertTrue(noDatabase.output().contains("password=***"), "the URL is shown redacted: " + noDatabase.output());
        Run missing = done.get("missing database");
        assertEquals(1, missing.exitCode(), missing.output());
        assertTrue(missing.output().contains("no_such_database_" + SUFFIX), missing.output());

        for (String bad : List.of("bad port", "bad database URL", "bad JAAS line")) {
            Run run = done.get(bad);
            assertEquals(2, run.exitCode(), bad + ": " + run.output());
            assertEquals(1, run.lines().size(), bad + " says so in one line: " + run.output());
        }
        assertTrue(done.get("bad port").output().contains("HTTP_PORT"));
        assertTrue(done.get("bad database URL").output().contains("DATABASE_URL"));
        assertTrue(done.get("bad JAAS line").output().contains("KAFKA_SASL_JAAS_CONFIG"));

        Run help = done.get("--help");
        assertEquals(0, help.exitCode(), help.output());
        assertTrue(help.output().contains("DATABASE_PASSWORD_FILE"), help.output());
        assertTrue(help.output().contains("KAFKA_SASL_JAAS_CONFIG"), help.output());

        done.values().forEach(SecretsIT::assertNoSecret);
    }

    @Test
    void outsideEmbeddedModeMissingIssuerOrBillerOrTwoPasswordSourcesStopTheStartInOneLine() throws Exception {
        String database = "jdbc:postgresql://127.0.0.1:" + LoopbackPorts.free() + "/wallet";
        Path passwordFile = work.resolve("password-both");
        Files.writeString(passwordFile, FILE_PASSWORD + "\n");
        Map<String, Map<String, String>> runs = new LinkedHashMap<>();
        runs.put("no AUTH_ISSUER", without(secretEnv(database), "AUTH_ISSUER"));
        runs.put("no PROVIDER_BASE_URL", without(secretEnv(database), "PROVIDER_BASE_URL"));
        runs.put("password twice", with(secretEnv(database), "DATABASE_PASSWORD_FILE", passwordFile.toString()));
        runs.put("http AUTH_ISSUER", with(secretEnv(database), "AUTH_ISSUER", "http://issuer.example:8099"));
        runs.put(
                "password file missing",
                with(
                        without(secretEnv(database), "DATABASE_PASSWORD"),
                        "DATABASE_PASSWORD_FILE",
                        work.resolve("no-such-file").toString()));
        Map<String, String> expected = Map.of(
                "no AUTH_ISSUER", "AUTH_ISSUER is required",
                "no PROVIDER_BASE_URL", "PROVIDER_BASE_URL is required",
                "password twice", "not both",
                "http AUTH_ISSUER", "AUTH_ISSUER must be an https URL outside embedded mode",
                "password file missing", "DATABASE_PASSWORD_FILE names a file that cannot be read");
        Map<String, Run> done = runAll(runs);
        for (var e : expected.entrySet()) {
            Run run = done.get(e.getKey());
            assertEquals(2, run.exitCode(), e.getKey() + ": " + run.output());
            assertEquals(1, run.lines().size(), e.getKey() + " in one line: " + run.output());
            assertTrue(run.output().contains(e.getValue()), e.getKey() + ": " + run.output());
            assertNoSecret(run);
        }
    }

    @Test
    void runningInstanceWithFailingBillerAndDatabaseKeepsSecretsOutOfLogsHealthAndMetrics() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String database = infra.newDatabase("secrets");
        String dbName = database.substring(database.lastIndexOf('/') + 1);
        String role = "secrets_" + SUFFIX.toLowerCase();
        String admin = infra.postgres().jdbcUrl("postgres");
        try (Connection c = DriverManager.getConnection(admin, infra.user(), "");
                var s = c.createStatement()) {
            // identifiers and password are [a-z0-9] and [A-Za-z0-9] of this test's own making
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + FILE_PASSWORD + "'");
            s.execute("ALTER DATABASE " + dbName + " OWNER TO " + role);
        }
        Path passwordFile = work.resolve("database-password");
        Files.writeString(passwordFile, FILE_PASSWORD + "\n");
        EmbeddedKafka kafka = ScramKafka.get();

        Map<String, String> env = without(secretEnv(database), "DATABASE_PASSWORD");
        env.put("DATABASE_USER", role);
        env.put("DATABASE_PASSWORD_FILE", passwordFile.toString());
        env.putAll(kafka.serviceEnvironment());
        env.put("EVENTS_TOPIC", "secrets.events-" + SUFFIX);
        env.put("TOPIC_PARTITIONS", "1");
        assertTrue(env.get("KAFKA_SASL_JAAS_CONFIG").contains(JAAS_PASSWORD));

        List<String> answers = new ArrayList<>();
        Path output = work.resolve("running.log");
        try (BillerSimulator biller = BillerSimulator.start(SimulatorConfig.builder()
                .port(0)
                .requiredApiKey(Optional.of("the-key-the-biller-wants"))
                .build())) {
            env.put("PROVIDER_BASE_URL", biller.baseUrl());
            Process process = child(env, output).start();
            try {
                ServiceHarness.await(Duration.ofSeconds(90), "the service to be up", () -> {
                    if (!process.isAlive()) {
                        fail("the service exited with " + process.exitValue() + ": " + ChildService.read(output));
                    }
                    return ChildService.read(output).contains("wallet-outbox is up");
                });
                Map<String, Integer> ports = new HashMap<>();
                Matcher m = ChildService.PORT_LINE.matcher(ChildService.read(output));
                while (m.find()) {
                    ports.put(m.group(1), Integer.parseInt(m.group(2)));
                }
                String api = "http://127.0.0.1:" + ports.get("HTTP API");
                String management = "http://127.0.0.1:" + ports.get("management");
                assertTrue(connections(admin, dbName, role) > 0, "connected as " + role + " with the file's password");

                // The biller refuses the service's key: a configuration fault, retried, never a decline.
                var wallet = ChildService.call(
                        "POST", api + "/wallets", TestTokens.token("alice"), "{\"currency\":\"USD\"}");
                assertEquals(201, wallet.statusCode(), wallet.body());
                String walletId = JSON.readTree(wallet.body()).get("id").asText();
                var topUp = ChildService.call(
                        "POST", api + "/wallets/" + walletId + "/top-ups", TestTokens.funding(), "{\"amount\":1000}");
                assertEquals(201, topUp.statusCode(), topUp.body());
                var pay = ChildService.call(
                        "POST",
                        api + "/wallets/" + walletId + "/bill-payments",
                        TestTokens.token("alice"),
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-9\",\"amount\":300}");
                assertEquals(202, pay.statusCode(), pay.body());
                String payment = JSON.readTree(pay.body()).get("id").asText();
                Pattern refused =
                        Pattern.compile("biller_config_faults_responses_total\\{[^}]*status=\"401\"[^}]*} [1-9]");
                String[] lastMetrics = {""};
                try {
                    ServiceHarness.await(Duration.ofSeconds(60), "the biller's 401 to be counted", () -> {
                        lastMetrics[0] = ChildService.call("GET", management + "/metrics", null, null)
                                .body();
                        return refused.matcher(lastMetrics[0]).find();
                    });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\n"
                            + lastMetrics[0]
                                    .lines()
                                    .filter(l -> l.startsWith("biller"))
                                    .toList() + "\n"
                            + tail(ChildService.read(output)));
                }
                var status =
                        ChildService.call("GET", api + "/bill-payments/" + payment, TestTokens.token("alice"), null);
                assertEquals(
                        "PENDING", JSON.readTree(status.body()).get("status").asText(), status.body());
                var ready = ChildService.call("GET", management + "/health/ready", null, null);
                assertEquals(200, ready.statusCode(), ready.body());
                answers.add(ready.body());

                // Now the database goes away.
                try (Connection c = DriverManager.getConnection(admin, infra.user(), "");
                        var s = c.createStatement()) {
                    s.execute("ALTER DATABASE " + dbName + " ALLOW_CONNECTIONS false");
                    s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + dbName
                            + "' AND pid <> pg_backend_pid()");
                }
                List<HttpResponse<String>> down = new ArrayList<>();
                ServiceHarness.await(Duration.ofSeconds(60), "readiness to report the database down", () -> {
                    var r = ChildService.call("GET", management + "/health/ready", null, null);
                    answers.add(r.body());
                    down.add(r);
                    return r.statusCode() == 503;
                });
                // The 503 is what probes act on; its body names the failing check.
                assertEquals(503, down.getLast().statusCode());
                assertTrue(
                        down.getLast().body().contains("\"postgresql\":{\"status\":\"DOWN\""),
                        down.getLast().body());
                var metrics = ChildService.call("GET", management + "/metrics", null, null);
                assertTrue(metrics.statusCode() < 600);
                answers.add(metrics.body());
                answers.add(ChildService.call("GET", management + "/health/live", null, null)
                        .body());
            } finally {
                try (Connection c = DriverManager.getConnection(admin, infra.user(), "");
                        var s = c.createStatement()) {
                    s.execute("ALTER DATABASE " + dbName + " ALLOW_CONNECTIONS true");
                }
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        String printed = ChildService.read(output);
        assertTrue(printed.contains("wallet-outbox: stopped"), "stopped cleanly: " + tail(printed));
        assertNoSecret(new Run("running instance", 0, printed));
        for (String answer : answers) {
            assertNoSecret(new Run("HTTP answer", 0, answer));
        }
    }

    private static void assertNoSecret(Run run) {
        for (String secret : SECRETS) {
            int at = run.output().indexOf(secret);
            assertFalse(
                    at >= 0,
                    run.name() + " printed a secret: …"
                            + run.output()
                                    .substring(
                                            Math.max(0, at - 200),
                                            Math.min(run.output().length(), at + 50)));
        }
    }

    /** The environment of a start outside embedded mode with every secret set (nothing else is reached first). */
    private static Map<String, String> secretEnv(String jdbcUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", jdbcUrl + "?password=" + URL_PASSWORD);
        env.put("DATABASE_USER", SharedInfrastructure.get().user());
        env.put("DATABASE_PASSWORD", DB_PASSWORD);
        env.put("PROVIDER_API_KEY", API_KEY);
        env.put("PROVIDER_BASE_URL", "http://127.0.0.1:9");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9");
        env.put("KAFKA_SECURITY_PROTOCOL", EmbeddedKafka.SASL_PROTOCOL);
        env.put("KAFKA_SASL_MECHANISM", EmbeddedKafka.SCRAM_MECHANISM);
        env.put("KAFKA_SASL_JAAS_CONFIG", EmbeddedKafka.scramJaasConfig(ScramKafka.USER, JAAS_PASSWORD));
        env.put("AUTH_ISSUER", TestTokens.issuer().issuer());
        env.put("HTTP_PORT", "0");
        env.put("MANAGEMENT_PORT", "0");
        env.put("DATA_DIR", work.resolve("data").toString());
        return env;
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        env.put(name, value);
        return env;
    }

    private static Map<String, String> without(Map<String, String> env, String name) {
        env.remove(name);
        return env;
    }

    /** Runs each start as a child process, a few at a time, and waits for all. */
    private static Map<String, Run> runAll(Map<String, Map<String, String>> runs) throws Exception {
        Map<String, Future<Run>> started = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            for (var e : runs.entrySet()) {
                started.put(e.getKey(), pool.submit(() -> run(e.getKey(), e.getValue())));
            }
            Map<String, Run> done = new LinkedHashMap<>();
            for (var e : started.entrySet()) {
                done.put(e.getKey(), e.getValue().get());
            }
            return done;
        }
    }

    private static Run run(String name, Map<String, String> env) throws Exception {
        Path output = Files.createTempFile(work, "run-", ".log");
        ProcessBuilder builder = child(env, output);
        if (name.equals("--help")) {
            builder.command().add("--help");
        }
        long started = System.nanoTime();
        Process process = builder.start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                fail(name + ": still running after 60 s: " + ChildService.read(output));
            }
        } finally {
            process.destroyForcibly();
        }
        System.out.printf(
                "%s: exit %d after %d ms%n", name, process.exitValue(), (System.nanoTime() - started) / 1_000_000);
        return new Run(name, process.exitValue(), ChildService.read(output));
    }

    /** {@code java -cp <this class path> io.walletoutbox.app.Main} with exactly {@code env}, output to a file. */
    private static ProcessBuilder child(Map<String, String> env, Path output) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED",
                // the production logging configuration, not the tests'
                "-Dlogback.configurationFile=logback.xml",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> childEnv = builder.environment();
        childEnv.clear();
        childEnv.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        childEnv.putAll(env);
        return builder;
    }

    private static long connections(String admin, String database, String role) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        admin, SharedInfrastructure.get().user(), "");
                var s = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND usename = ?")) {
            s.setString(1, database);
            s.setString(2, role);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String tail(String text) {
        return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
    }
}

package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.provider.BillerSimulator;
import io.walletoutbox.provider.SimulatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image's jar, {@code wallet-outbox-production.jar} (built by {@code package}, before the integration
 * tests run), as a child process ({@code java -jar}): it holds no embedded PostgreSQL, Kafka broker or development
 * issuer; with the tests' real PostgreSQL, Kafka broker and issuer it migrates ({@code migrate}), becomes ready and
 * takes a bill payment to {@code SUCCEEDED}; without {@code DATABASE_URL}, without {@code KAFKA_BOOTSTRAP_SERVERS}
 * for a relay, or asked for {@code dev-issuer} it exits 2 after one line instead of failing on a missing class.
 */
class ProductionJarIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path work;

    @BeforeAll
    static void start() throws IOException {
        work = Files.createTempDirectory("production-jar-it");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void holdsTheKafkaClientButNoEmbeddedModuleBrokerOrPostgresBinaries() throws IOException {
        try (JarFile jar = new JarFile(productionJar().toFile())) {
            List<String> names =
                    jar.stream().map(java.util.zip.ZipEntry::getName).toList();
            assertTrue(names.contains("io/walletoutbox/app/Main.class"));
            assertTrue(names.contains("org/apache/kafka/clients/producer/KafkaProducer.class"), "kafka-clients");
            assertTrue(names.contains("io/walletoutbox/provider/BillerSimulator.class"), "the biller simulator");
            for (String absent : List.of(
                    "io/walletoutbox/embedded/", // the embedded module, the development issuer with it
                    "io/zonky/", // embedded PostgreSQL
                    "postgres-linux-", // its binaries
                    "kafka/server/KafkaRaftServer", // the broker (kafka_2.13)
                    "org/apache/kafka/raft/",
                    "scala/")) {
                assertFalse(names.stream().anyMatch(n -> n.startsWith(absent)), absent + " is in the production jar");
            }
        }
    }

    @Test
    void migratesThenServesAPaymentWithExternalPostgresKafkaAndIssuer() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", infra.newDatabase("prodjar"));
        env.put("DATABASE_USER", infra.user());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("AUTH_ISSUER", TestTokens.issuer().issuer());
        env.put("EVENTS_TOPIC", "prodjar.events-" + suffix);
        env.put("TOPIC_PARTITIONS", "1");
        env.put("HTTP_PORT", "0");
        env.put("MANAGEMENT_PORT", "0");
        env.put("DATA_DIR", work.resolve("data").toString());

        Run migrate = run("migrate", env, List.of("migrate"));
        assertEquals(0, migrate.exitCode(), migrate.output());
        assertTrue(migrate.output().contains("schema migrated"), migrate.output());

        Path output = work.resolve("service.log");
        try (BillerSimulator biller =
                BillerSimulator.start(SimulatorConfig.builder().port(0).build())) {
            env.put("PROVIDER_BASE_URL", biller.baseUrl());
            Process process = child(env, List.of(), output).start();
            try {
                ServiceHarness.await(Duration.ofSeconds(90), "the production jar to be up", () -> {
                    if (!process.isAlive()) {
                        fail("the production jar exited with " + process.exitValue() + ": "
                                + ChildService.read(output));
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
                var ready = ChildService.call("GET", management + "/health/ready", null, null);
                assertEquals(200, ready.statusCode(), ready.body());

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
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":300}");
                assertEquals(202, pay.statusCode(), pay.body());
                String payment = JSON.readTree(pay.body()).get("id").asText();
                ServiceHarness.await(
                        Duration.ofSeconds(60),
                        "the payment to succeed",
                        () -> ChildService.call(
                                        "GET", api + "/bill-payments/" + payment, TestTokens.token("alice"), null)
                                .body()
                                .contains("\"SUCCEEDED\""));
                assertEquals(1, biller.charges().size(), "charged once");
            } finally {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        String printed = ChildService.read(output);
        assertFalse(printed.contains("NoClassDefFoundError"), printed);
        assertFalse(printed.contains("starting embedded"), "nothing embedded started: " + printed);
        assertTrue(printed.contains("wallet-outbox: stopped"), "stopped cleanly: " + printed);
    }

    @Test
    void withoutExternalInfrastructureOrForTheDevelopmentIssuerItStopsInOneLineWithExitCode2() throws Exception {
        Map<String, String> noDatabase = new HashMap<>();
        noDatabase.put("DATA_DIR", work.resolve("refused").toString());
        Run bare = run("no DATABASE_URL", noDatabase, List.of());
        assertRefused(bare, "set DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, AUTH_ISSUER");

        Map<String, String> relayWithoutKafka = new HashMap<>(noDatabase);
        relayWithoutKafka.put("ROLES", "relay");
        relayWithoutKafka.put("DATABASE_URL", "jdbc:postgresql://127.0.0.1:9/wallet");
        relayWithoutKafka.put("AUTH_ISSUER", TestTokens.issuer().issuer());
        Run relay = run("relay without KAFKA_BOOTSTRAP_SERVERS", relayWithoutKafka, List.of());
        assertRefused(relay, "set KAFKA_BOOTSTRAP_SERVERS (");

        Run issuer = run("dev-issuer", noDatabase, List.of("dev-issuer"));
        assertEquals(2, issuer.exitCode(), issuer.output());
        assertEquals(1, issuer.lines().size(), issuer.output());
        assertTrue(issuer.output().contains("dev-issuer is not in this jar"), issuer.output());
        assertFalse(Files.exists(work.resolve("refused")), "nothing was written to DATA_DIR");
    }

    private static void assertRefused(Run run, String names) {
        assertEquals(2, run.exitCode(), run.name() + ": " + run.output());
        assertEquals(1, run.lines().size(), run.name() + " in one line: " + run.output());
        assertTrue(run.output().contains("this jar has no embedded infrastructure"), run.output());
        assertTrue(run.output().contains(names), run.output());
    }

    /** What a run printed (stdout and stderr, interleaved) and how it ended. */
    record Run(String name, int exitCode, String output) {
        List<String> lines() {
            return output.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static Run run(String name, Map<String, String> env, List<String> args) throws Exception {
        Path output = Files.createTempFile(work, "run-", ".log");
        Process process = child(env, args, output).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                fail(name + ": still running after 60 s: " + ChildService.read(output));
            }
        } finally {
            process.destroyForcibly();
        }
        return new Run(name, process.exitValue(), ChildService.read(output));
    }

    /** {@code java -jar wallet-outbox-production.jar args…} with exactly {@code env}, output to a file. */
    private static ProcessBuilder child(Map<String, String> env, List<String> args, Path output) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-jar",
                productionJar().toString()));
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> childEnv = builder.environment();
        childEnv.clear();
        childEnv.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        childEnv.putAll(env);
        return builder;
    }

    /** {@code target/wallet-outbox-production.jar}, next to the {@code target/classes} the tests run from. */
    private static Path productionJar() {
        try {
            Path classes = Path.of(Main.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path jar = classes.resolveSibling("wallet-outbox-production.jar");
            assertNotNull(jar);
            assertTrue(Files.isRegularFile(jar), "no " + jar + ": run `package` first (failsafe runs after it)");
            return jar;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

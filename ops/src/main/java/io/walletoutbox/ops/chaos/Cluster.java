package io.walletoutbox.ops.chaos;

import io.walletoutbox.embedded.DevIssuer;
import io.walletoutbox.embedded.EmbeddedKafkaCluster;
import io.walletoutbox.embedded.EmbeddedPostgres;
import io.walletoutbox.ops.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Everything the chaos suite runs, each as its own operating-system process on loopback: a real PostgreSQL
 * (embedded binaries; {@link PostgresProcess}), a real Kafka broker (KRaft, a child JVM; {@link KafkaBrokers}), the
 * biller simulator ({@code provider-sim}; {@link Simulators}) and service instances of the fat jar by role (here),
 * all started by a {@link JarLauncher}. Each scenario gets its own database and topic; the infrastructure lives for
 * the whole run and is killed, stopped and restarted by the scenarios, through this class.
 *
 * <p>Identity: a development issuer runs in this process (loopback) for the whole run; every service gets it as
 * {@code AUTH_ISSUER} and validates its tokens through its JWKS like any issuer's; the driver's tokens are minted
 * by it ({@link #tokens()}). A second issuer with another key ({@link #foreignIssuer()}) signs forged tokens.
 * Each service process has its own public ({@code HTTP_PORT}) and management ({@code MANAGEMENT_PORT}) port.
 */
final class Cluster implements AutoCloseable {
    /** The simulator every service reaches through {@code PROVIDER_BASE_URL} (billers without a URL of their own). */
    static final String MAIN_SIM = "main";

    /**
     * Limits the suite sets for every service: the daily bill-payment limit far above any scenario's spending (the
     * wallets hold 10^9 minor units each). The per-principal rate limits keep the service's defaults: every wallet
     * has an owner of its own, so no principal comes near them.
     */
    static final Map<String, String> LIMITS = Map.of("DAILY_PAYMENT_LIMIT", "1000000000000");

    /**
     * One service process: its name (also its PostgreSQL {@code application_name}), roles, public (API) port and
     * management port (health, metrics, admin).
     */
    static final class Service {
        final String name;
        final String roles;
        final int port;
        final int managementPort;
        final Map<String, String> extraEnv;
        Process process;

        Service(String name, String roles, int port, int managementPort, Map<String, String> extraEnv) {
            this.name = name;
            this.roles = roles;
            this.port = port;
            this.managementPort = managementPort;
            this.extraEnv = extraEnv;
        }

        long pid() {
            return process.pid();
        }

        boolean alive() {
            return process != null && process.isAlive();
        }
    }

    private final Path work;
    private final JarLauncher launcher;
    private final ServiceProcesses services;
    private final Simulators simulators;
    private PostgresProcess postgres;
    private KafkaBrokers kafka;
    private DevIssuer issuer;
    private DevIssuer foreignIssuer;
    private Tokens tokens;
    private String topic;
    private boolean closed;

    private Cluster(Path work, Path jar) {
        this.work = work;
        this.launcher = new JarLauncher(work, jar);
        this.services = new ServiceProcesses(launcher, this::environment);
        this.simulators = new Simulators(launcher);
    }

    /** Starts PostgreSQL, the broker and the simulator under {@code work}. */
    static Cluster start(Path work, Path jar) throws IOException {
        Files.createDirectories(work.resolve("logs"));
        Cluster c = new Cluster(work, jar);
        c.issuer = DevIssuer.start(work.resolve("issuer"), "127.0.0.1", 0);
        c.foreignIssuer = DevIssuer.start(work.resolve("foreign-issuer"), "127.0.0.1", 0);
        c.tokens = Tokens.minting(c.issuer);
        c.postgres = PostgresProcess.start(c.launcher, work);
        c.kafka = KafkaBrokers.start(work);
        c.simulators.start(MAIN_SIM);
        return c;
    }

    /** A fresh database and topic for the next scenario; every service process must be stopped first. */
    void newScenario(String name, String db, String eventsTopic) {
        services.newScenario(name);
        kafka.newScenario();
        this.topic = eventsTopic;
        postgres.newDatabase(db);
    }

    /** What a service gets as its environment: where everything is, then its own {@code extraEnv}. */
    private Map<String, String> environment(Service s) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DATABASE_URL", postgres.jdbcUrl(s.name));
        env.put("DATABASE_USER", EmbeddedPostgres.USER);
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap());
        env.put("PROVIDER_BASE_URL", simUrl());
        env.put("HTTP_PORT", Integer.toString(s.port));
        env.put("MANAGEMENT_PORT", Integer.toString(s.managementPort));
        env.put("AUTH_ISSUER", issuer.issuer());
        env.putAll(LIMITS);
        env.put("ROLES", s.roles);
        env.put("EVENTS_TOPIC", topic);
        env.put("DATA_DIR", work.resolve("service-data").toString());
        env.putAll(s.extraEnv);
        return env;
    }

    String topic() {
        return topic;
    }

    /** The issuer every service trusts ({@code AUTH_ISSUER}). */
    DevIssuer issuer() {
        return issuer;
    }

    /** An issuer no service trusts: its key signs forged tokens (see {@link Intruder}). */
    DevIssuer foreignIssuer() {
        return foreignIssuer;
    }

    /** Tokens of {@link #issuer()}. */
    Tokens tokens() {
        return tokens;
    }

    // Service processes (see ServiceProcesses)

    /** Declares a service (not started). */
    Service define(String name, String roles, Map<String, String> extraEnv) {
        return services.define(name, roles, extraEnv);
    }

    Service service(String name) {
        return services.service(name);
    }

    List<Service> services() {
        return services.services();
    }

    /** Starts (or restarts) {@code s}, without waiting for it. */
    void launch(Service s) throws IOException {
        services.launch(s);
    }

    /** See {@link ServiceProcesses#awaitReady}. */
    boolean awaitReady(Service s, Duration timeout) {
        return services.awaitReady(s, timeout);
    }

    /** See {@link ServiceProcesses#launchAll}. */
    void launchAll(List<Service> list) throws IOException {
        services.launchAll(list);
    }

    /** The last lines of a service's log. */
    String logTail(Service s, int lines) {
        return services.logTail(s, lines);
    }

    void kill9(Service s) throws Exception {
        services.kill9(s);
    }

    /** SIGTERM and wait (graceful: a consumer leaves its group). */
    void stop(Service s) throws Exception {
        services.stop(s);
    }

    void stopAll() throws Exception {
        services.stopAll();
    }

    // PostgreSQL (see PostgresProcess)

    /** A new JDBC connection to the scenario's database (the tool's own, application_name chaos-tool). */
    Connection db() throws SQLException {
        return postgres.db();
    }

    /** See {@link PostgresProcess#dropSlots()}. */
    void dropSlots() throws SQLException {
        postgres.dropSlots();
    }

    /**
     * Moves the current scenario's database to a PostgreSQL primary with a synchronous standby of its own ({@link
     * PostgresPairProcess}) until the next scenario: services and checks connect with a multi-host URL. Call it from
     * a scenario's setup, before any service starts.
     */
    void startPostgresPair() throws IOException {
        postgres.startPair();
    }

    /** The pair of {@link #startPostgresPair()}. */
    PostgresPairProcess postgresPair() {
        return postgres.pair();
    }

    /** SIGQUIT to the postmaster (an immediate shutdown: no checkpoint, crash recovery at the next start). */
    void postgresImmediateStop() throws Exception {
        postgres.immediateStop();
    }

    /** Starts PostgreSQL again on the same directory and port (crash recovery). */
    void restartPostgres() throws Exception {
        postgres.restart();
    }

    // Kafka (see KafkaBrokers)

    String bootstrap() {
        return kafka.bootstrap();
    }

    /**
     * Makes this scenario run on the three-node Kafka cluster (its services, topic reads and producers use it),
     * starting it if not running yet; call in the scenario's setup, before any service is defined.
     */
    synchronized EmbeddedKafkaCluster useKafkaCluster() {
        return kafka.useCluster();
    }

    ProcessHandle broker() {
        return kafka.broker();
    }

    /** kill -9 the broker (the tool's EmbeddedKafka handle is dropped). */
    void killBroker() throws Exception {
        kafka.killBroker();
    }

    /** Starts the broker again on the same directory and port. */
    void restartBroker() {
        kafka.restartBroker();
    }

    // Biller simulators (see Simulators)

    /**
     * The base URL of simulator {@code name}, started now if it is not running yet (it then lives for the whole run,
     * like the main one; each keeps its own charges, answers and faults).
     */
    synchronized String simulator(String name) throws IOException {
        if (!simulators.running(name)) {
            simulators.start(name);
        }
        return simulators.url(name);
    }

    /** The names of the simulators running. */
    synchronized List<String> simulatorNames() {
        return simulators.names();
    }

    String simUrl() {
        return simulators.url(MAIN_SIM);
    }

    /** The main simulator's process. */
    Optional<Process> simulator() {
        return simulators.process(MAIN_SIM);
    }

    /** Sets the main simulator's faults ({@code POST /v1/faults}). */
    void simFaults(String json) throws Exception {
        simFaults(MAIN_SIM, json);
    }

    /** Sets simulator {@code name}'s faults ({@code POST /v1/faults}). */
    void simFaults(String name, String json) throws Exception {
        simulators.faults(name, json);
    }

    /** Clears every fault of every simulator: latency, errors, timeouts, drops, status, key, late landing. */
    void simClearFaults() throws Exception {
        for (String name : simulatorNames()) {
            simulators.clearFaults(name);
        }
    }

    /** The main simulator's answer to {@code GET path} ({@code /v1/charges}, {@code /v1/answers}). */
    String simGet(String path) throws Exception {
        return simGet(MAIN_SIM, path);
    }

    /** Simulator {@code name}'s answer to {@code GET path}. */
    String simGet(String name, String path) throws Exception {
        return simulators.get(name, path);
    }

    // For every process

    static void signal(long pid, String signal) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: "
                    + new String(p.getInputStream().readAllBytes()));
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        services.close();
        if (postgres != null) {
            postgres.closePair();
        }
        simulators.close();
        if (issuer != null) {
            issuer.close();
        }
        if (foreignIssuer != null) {
            foreignIssuer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}

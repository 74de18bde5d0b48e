package io.walletoutbox.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (17, embedded binaries) with {@code wal_level=logical}, its data kept in a directory
 * so that a restart finds the same databases. {@link #close()} stops the server; a server left running by a
 * process that was killed is stopped before a new one starts on the same directory.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    /** The superuser of an embedded server; it trusts loopback connections. */
    public static final String USER = "postgres";

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
    private final Path dataDirectory;
    private volatile boolean killed;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server, Path dataDirectory) {
        this.server = server;
        this.dataDirectory = dataDirectory;
    }

    /**
     * Starts a server on {@code port} (0 picks a free one) with its data in {@code dataDirectory}, created
     * (initdb) when absent and reused otherwise.
     *
     * @throws EmbeddedInfrastructureException when the server does not start
     */
    public static EmbeddedPostgres start(Path dataDirectory, int port) {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        try {
            Path data = dataDirectory.toAbsolutePath();
            Files.createDirectories(data.getParent());
            stopOrphan(data);
            var server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPort(port)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_wal_senders", "10")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("shared_buffers", "256MB")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // zonky defaults to synchronous_commit=off; a committed payment must survive a crash.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .start();
            return new EmbeddedPostgres(server, data);
        } catch (IOException | RuntimeException e) {
            throw new EmbeddedInfrastructureException("PostgreSQL did not start in " + dataDirectory + ": " + e, e);
        }
    }

    /** The port the server listens on, on 127.0.0.1. */
    public int port() {
        return server.getPort();
    }

    /** A JDBC URL for {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** Creates {@code database} unless it exists already. The name must be a plain SQL identifier. */
    public void createDatabaseIfAbsent(String database) {
        if (!database.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + database);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "");
                var exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, database);
            try (var rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (var create = c.createStatement()) {
                create.execute("CREATE DATABASE " + database);
            }
        } catch (SQLException e) {
            throw new EmbeddedInfrastructureException("could not create database " + database + ": " + e, e);
        }
    }

    /** The server's data directory. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Crashes the server as a lost machine would: {@code kill -9} of the postmaster and of every process it started
     * (its backends, WAL writer, WAL senders), waiting until they are gone. Clients see their connections reset;
     * what was committed is in the WAL (and, with a synchronous standby, on the standby). {@link #close()} after a
     * kill only releases what the embedded library holds. Idempotent.
     */
    public void kill() {
        Optional<ProcessHandle> postmaster = postmaster(dataDirectory);
        if (postmaster.isEmpty()) {
            return;
        }
        ProcessHandle p = postmaster.get();
        List<ProcessHandle> children = p.descendants().toList();
        log.warn("killing PostgreSQL on {} (pid {}) with SIGKILL", dataDirectory, p.pid());
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        // Polled rather than onExit(): for a process that is not our child the JDK polls it only every second or so.
        try {
            Conditions.await(
                    Duration.ofSeconds(30),
                    "PostgreSQL on " + dataDirectory + " to die",
                    () -> !p.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive));
        } catch (AssertionError e) {
            throw new EmbeddedInfrastructureException(e.getMessage(), e);
        }
        killed = true;
    }

    /** True unless {@link #kill()} crashed the server. */
    public boolean isAlive() {
        return !killed;
    }

    /** Stops the server (fast shutdown) and waits for it; after {@link #kill()} only releases its resources. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            if (!killed) {
                throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
            }
            // pg_ctl stop of a server killed with -9 fails: there is nothing left to stop
        }
    }

    /** The running postmaster of the data directory {@code data}, from its {@code postmaster.pid}. */
    static Optional<ProcessHandle> postmaster(Path data) {
        Path pidFile = data.resolve("postmaster.pid");
        List<String> lines;
        try {
            lines = Files.exists(pidFile) ? Files.readAllLines(pidFile) : List.of();
        } catch (IOException e) {
            return Optional.empty(); // removed meanwhile: the server stopped
        }
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.getFirst().trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    }

    /** A postmaster still running on this directory (its parent was killed with -9) is shut down first. */
    private static void stopOrphan(Path data) throws IOException {
        Optional<ProcessHandle> orphan = postmaster(data);
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle p = orphan.get();
        long pid = p.pid();
        log.warn("stopping PostgreSQL left running on {} (pid {})", data, pid);
        // SIGINT is PostgreSQL's fast shutdown: it rolls back what the dead parent left open and stops at once
        // (ProcessHandle.destroy would send SIGTERM, a smart shutdown that waits for clients). SIGQUIT, the
        // immediate shutdown, is the fallback; crash recovery at the next start makes it safe.
        try {
            signal("INT", pid);
            p.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            try {
                signal("QUIT", pid);
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception again) {
                p.destroyForcibly();
            }
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}

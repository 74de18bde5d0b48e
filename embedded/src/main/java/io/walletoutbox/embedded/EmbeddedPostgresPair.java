package io.walletoutbox.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL primary with a synchronous streaming standby, both {@link EmbeddedPostgres} servers on loopback, for
 * failover tests: {@link #killPrimary()} crashes the primary ({@code kill -9}), {@link #promoteStandby()} makes the
 * standby the primary, and clients that connect with {@link #jdbcUrl} (a multi-host URL with {@code
 * targetServerType=primary}) follow it without being told.
 *
 * <p>The primary runs with {@code synchronous_commit=on} and {@code synchronous_standby_names} naming the standby
 * ({@link #STANDBY_NAME}), so a commit returns only once the standby has flushed it: whatever a client saw committed
 * survives the loss of the primary. The standby streams through a physical slot ({@link #STANDBY_NAME}) with {@code
 * hot_standby_feedback=on} and {@code sync_replication_slots=on}, and the primary lists that slot in {@code
 * synchronized_standby_slots}: logical slots created with {@code failover = true} are copied to the standby, and no
 * logical decoding client is ever sent a change the standby does not have yet, so a CDC reader resumes on the
 * promoted standby without a gap (PostgreSQL 17's failover slots).
 *
 * <p>The standby is made without {@code pg_basebackup} (the embedded binaries have none), with the low-level backup
 * API: {@code pg_backup_start()}, a copy of the primary's data directory, {@code pg_backup_stop()}, whose label file
 * becomes the copy's {@code backup_label}, and {@code standby.signal}. The settings the primary got with {@code ALTER
 * SYSTEM} ({@code synchronous_standby_names}, {@code synchronized_standby_slots}) are copied with it, as with any
 * base backup; on a standby they do nothing, but a standby promoted with them in force would wait for a standby of
 * its own at every commit (and its CDC readers for a slot it does not have), so {@link #promoteStandby()} resets
 * both, as an operator must.
 *
 * <p>One pair per directory; not for concurrent use of {@link #killPrimary()} and {@link #promoteStandby()}.
 */
public final class EmbeddedPostgresPair implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresPair.class);
    /** The standby's {@code application_name}, as {@code synchronous_standby_names} names it, and its physical slot. */
    public static final String STANDBY_NAME = "walletoutbox_standby";

    /** What a base backup leaves out: the server's run-time files, and the contents of these directories. */
    private static final Set<String> SKIPPED_FILES =
            Set.of("postmaster.pid", "postmaster.opts", "epg-lock", "backup_label", "tablespace_map");

    private static final Set<String> EMPTIED_DIRECTORIES = Set.of(
            "pg_wal",
            "pg_replslot",
            "pg_stat_tmp",
            "pg_dynshmem",
            "pg_notify",
            "pg_serial",
            "pg_snapshots",
            "pg_subtrans");

    private final EmbeddedPostgres first;
    private final EmbeddedPostgres second;
    private volatile EmbeddedPostgres primary;
    private volatile EmbeddedPostgres standby;

    private EmbeddedPostgresPair(EmbeddedPostgres primary, EmbeddedPostgres standby) {
        this.first = primary;
        this.second = standby;
        this.primary = primary;
        this.standby = standby;
    }

    /**
     * Starts a primary in {@code directory/primary} and a synchronous standby made from it in {@code
     * directory/standby} (both fresh: {@code directory} must not hold a pair already), on free ports, and returns once
     * the standby streams synchronously.
     *
     * @throws EmbeddedInfrastructureException when either server does not start or the standby does not attach
     */
    public static EmbeddedPostgresPair start(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Path root = directory.toAbsolutePath();
        Path standbyData = root.resolve("standby");
        if (Files.exists(standbyData)) {
            throw new EmbeddedInfrastructureException(standbyData + " exists: a pair starts from fresh directories");
        }
        EmbeddedPostgres primary = EmbeddedPostgres.start(root.resolve("primary"), 0);
        EmbeddedPostgres standby = null;
        try {
            try (Connection c = connect(primary.port(), "postgres");
                    var s = c.createStatement()) {
                // Reserved now, so the WAL from the backup's start on is kept until the standby streams it.
                s.execute("SELECT pg_create_physical_replication_slot('" + STANDBY_NAME + "', true)");
                s.execute("ALTER SYSTEM SET synchronous_standby_names = '" + STANDBY_NAME + "'");
                s.execute("ALTER SYSTEM SET synchronized_standby_slots = '" + STANDBY_NAME + "'");
                s.execute("SELECT pg_reload_conf()");
                baseBackup(c, primary.dataDirectory(), standbyData);
            }
            Files.writeString(
                    standbyData.resolve("postgresql.auto.conf"),
                    """
                    # standby of the pair (EmbeddedPostgresPair)
                    primary_conninfo = 'host=127.0.0.1 port=%d user=%s dbname=postgres application_name=%s'
                    primary_slot_name = '%s'
                    hot_standby_feedback = on
                    sync_replication_slots = on
                    """.formatted(primary.port(), EmbeddedPostgres.USER, STANDBY_NAME, STANDBY_NAME),
                    StandardOpenOption.APPEND);
            Files.createFile(standbyData.resolve("standby.signal"));
            standby = EmbeddedPostgres.start(standbyData, 0);
            var pair = new EmbeddedPostgresPair(primary, standby);
            pair.awaitSynchronous(Duration.ofSeconds(60));
            log.info(
                    "PostgreSQL pair started: primary on port {}, synchronous standby on port {}",
                    primary.port(),
                    standby.port());
            return pair;
        } catch (IOException | SQLException | RuntimeException | AssertionError e) {
            if (standby != null) {
                standby.close();
            }
            primary.close();
            throw new EmbeddedInfrastructureException("PostgreSQL pair did not start in " + root + ": " + e, e);
        }
    }

    /** Takes a base backup of the running server whose data directory is {@code source} into {@code target}. */
    private static void baseBackup(Connection c, Path source, Path target) throws SQLException, IOException {
        try (var s = c.createStatement()) {
            s.execute("SELECT pg_backup_start('" + STANDBY_NAME + "', true)"); // fast checkpoint
            copyDataDirectory(source, target);
            try (var rs = s.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(target.resolve("backup_label"), rs.getString(1));
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(target.resolve("tablespace_map"), spcmap);
                }
            }
        }
    }

    /** Copies a running server's data directory; files the server removes meanwhile are skipped, as in a backup. */
    private static void copyDataDirectory(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path relative = source.relativize(dir);
                Files.createDirectories(target.resolve(relative));
                if (relative.getNameCount() == 1 && EMPTIED_DIRECTORIES.contains(relative.toString())) {
                    if (relative.toString().equals("pg_wal")) {
                        Files.createDirectories(target.resolve(relative).resolve("archive_status"));
                        Files.createDirectories(target.resolve(relative).resolve("summaries"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path relative = source.relativize(file);
                String name = relative.getFileName().toString();
                if ((relative.getNameCount() == 1 && SKIPPED_FILES.contains(name)) || name.startsWith("pgsql_tmp")) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    Files.copy(file, target.resolve(relative), StandardCopyOption.COPY_ATTRIBUTES);
                } catch (NoSuchFileException gone) {
                    // removed by the server while we copied: WAL replay recreates whatever is needed
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        // PostgreSQL refuses a data directory readable by others.
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    /** Waits until the primary reports the standby as its synchronous standby ({@code sync_state = 'sync'}). */
    private void awaitSynchronous(Duration timeout) {
        Conditions.await(
                timeout,
                "the standby to stream synchronously",
                () -> query(primary, """
                SELECT count(*) FROM pg_stat_replication WHERE application_name = '%s' AND sync_state = 'sync'
                """.formatted(STANDBY_NAME)).equals("1"));
    }

    /**
     * A multi-host JDBC URL for {@code database} that lists the primary first and the standby second with {@code
     * targetServerType=primary}: the driver connects to whichever of the two is the primary now, so a client keeps
     * working across {@link #promoteStandby()} by opening new connections. {@code hostRecheckSeconds=1}: the driver
     * remembers a host's role for that long, so the promoted standby is recognised within a second.
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + first.port() + ",127.0.0.1:" + second.port() + "/" + database
                + "?targetServerType=primary&hostRecheckSeconds=1";
    }

    /** The server that is the primary now (the standby after {@link #promoteStandby()}). */
    public EmbeddedPostgres primary() {
        return primary;
    }

    /** The standby, or null once it was promoted. */
    public EmbeddedPostgres standby() {
        return standby;
    }

    /** Creates {@code database} on the primary unless it exists (see {@link EmbeddedPostgres#createDatabaseIfAbsent}). */
    public void createDatabaseIfAbsent(String database) {
        primary.createDatabaseIfAbsent(database);
    }

    /**
     * Waits until the logical slot {@code slotName} (created on the primary with {@code failover = true}) is
     * synchronised to the standby and persistent there ({@code synced} and not {@code temporary}): from then on a
     * promotion keeps it. A slot the standby has not persisted yet is dropped at promotion. The standby persists its
     * copy only once the slot's reader has confirmed a position past the WAL the standby had when it first copied
     * the slot: a slot nobody reads (or advances) is never synchronised.
     *
     * @throws AssertionError when it is not after {@code timeout}
     */
    public void awaitSlotSynchronised(String slotName, Duration timeout) {
        if (!slotName.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a slot name: " + slotName);
        }
        EmbeddedPostgres s = requireStandby();
        EmbeddedPostgres p = primary;
        long[] lastSnapshot = {0};
        Conditions.await(timeout, "slot " + slotName + " synchronised to the standby", () -> {
            if (System.nanoTime() - lastSnapshot[0] > 200_000_000L) {
                // A standby snapshot in the WAL lets the slot's catalog xmin move at the reader's next confirmation
                // (the server writes one only every 15 s or at checkpoints), so the standby can persist its copy.
                query(p, "SELECT pg_log_standby_snapshot()::text");
                lastSnapshot[0] = System.nanoTime();
            }
            return query(s, """
                    SELECT count(*) FROM pg_replication_slots WHERE slot_name = '%s' AND synced AND NOT temporary
                    """.formatted(slotName)).equals("1");
        });
    }

    /** Crashes the primary ({@link EmbeddedPostgres#kill()}); the standby keeps waiting for it until promoted. */
    public void killPrimary() {
        primary.kill();
    }

    /**
     * Promotes the standby and makes it the primary, returning once it accepts writes. Before promoting, it resets
     * {@code synchronous_standby_names} and {@code synchronized_standby_slots}, which the standby inherited from the
     * primary: a promoted server that names a synchronous standby it does not have blocks every commit, and one that
     * names a physical slot it does not have holds back its logical decoding clients. The pair has no standby
     * afterwards.
     *
     * @throws EmbeddedInfrastructureException when there is no standby left or the promotion fails
     */
    public void promoteStandby() {
        EmbeddedPostgres s = requireStandby();
        try (Connection c = connect(s.port(), "postgres");
                var st = c.createStatement()) {
            st.execute("ALTER SYSTEM RESET synchronous_standby_names");
            st.execute("ALTER SYSTEM RESET synchronized_standby_slots");
            st.execute("SELECT pg_reload_conf()");
            try (var rs = st.executeQuery("SELECT pg_promote(true, 60)")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new EmbeddedInfrastructureException("the standby did not finish promoting within 60 s");
                }
            }
        } catch (SQLException e) {
            throw new EmbeddedInfrastructureException("promoting the standby failed: " + e, e);
        }
        Conditions.await(
                Duration.ofSeconds(60),
                "the promoted standby to accept writes",
                () -> query(s, "SELECT pg_is_in_recovery()::text").equals("false"));
        log.warn("PostgreSQL standby on port {} promoted to primary", s.port());
        primary = s;
        standby = null;
    }

    private EmbeddedPostgres requireStandby() {
        EmbeddedPostgres s = standby;
        if (s == null) {
            throw new EmbeddedInfrastructureException("the pair has no standby (it was promoted)");
        }
        return s;
    }

    /** Stops both servers (a killed one only has its resources released). */
    @Override
    public void close() {
        try {
            second.close();
        } finally {
            first.close();
        }
    }

    private static String query(EmbeddedPostgres server, String sql) {
        try (Connection c = connect(server.port(), "postgres");
                var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new UncheckedIOException(new IOException(sql + ": " + e.getMessage(), e));
        }
    }

    private static Connection connect(int port, String database) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/" + database, EmbeddedPostgres.USER, "");
    }
}
